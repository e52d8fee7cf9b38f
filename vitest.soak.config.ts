/**
 * @module Vitest configuration of `npm run test:soak`: the long fault runs (30 s hang, 25 s slow
 * answer, flaky over 100 refreshes, 50 kill -9 cycles, 100 clients for 30 s). Their files end in
 * `.soak.ts`, so `npm test` (test/**\/*.test.ts) never runs them. The flaky run takes ~17 min on
 * one worker while the others run one after another on the second.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    environment: 'node',
    testTimeout: 40 * 60_000,
    hookTimeout: 40 * 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
