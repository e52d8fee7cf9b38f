/**
 * @module Vitest configuration of `npm test`. Most end-to-end files wait on real sockets and
 * timers rather than compute, so three forks run side by side even on two cores. Soak runs live
 * in vitest.soak.config.ts.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 3,
    // End-to-end files drive real processes, sockets and real-time token lifetimes on a shared
    // 2-core machine; one retry keeps a scheduling stall from failing the run, while a behaviour
    // that is broken still fails twice.
    retry: 1,
    // The retried-errors reporter prints the first failure of each test that passed on retry.
    reporters: ['default', './test/reporters/retried-errors.ts'],
  },
});
