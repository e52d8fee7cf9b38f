/**
 * @module Property: arbitrary server names, query strings and bodies on every REST route never
 * yield a 500, and every error is the `{ error: { code, message } }` shape.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeApp, makeApp, type TestApp } from './support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ loginUrlTimeoutMs: 20 });
  t.world.loginMode = 'hang';
});
afterAll(() => closeApp(t));

const name = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '__proto__',
    'constructor',
    'github',
    'plain',
    'locked',
    'off',
    'a/b',
    '%00',
  ),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,70}$/),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record({ force: fc.oneof(fc.boolean(), fc.string(), fc.integer(), fc.constant(null)) })
    .map((r) => JSON.stringify(r)),
);
const suffix = fc.constantFrom('', '/tools', '/login', '/logout', '/restart', '/nope');
const query = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 30 }).map((q) => `?force=${encodeURIComponent(q)}`),
);

describe('REST input validation', () => {
  it('never answers 500, and errors keep their shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        name,
        suffix,
        query,
        body,
        fc.constantFrom('GET', 'POST'),
        async (n, s, q, b, method) => {
          const path = `/api/v1/servers/${encodeURIComponent(n)}${s}${q}`;
          const res = await t.app.request(path, {
            method,
            headers: { 'content-type': 'application/json' },
            body: method === 'POST' ? b : undefined,
          });
          // 502/504 are login outcomes (flow failed / no URL in time); nothing else is >= 500.
          const allowed = s === '/login' && method === 'POST' ? [502, 504] : [];
          if (res.status >= 500) expect(allowed).toContain(res.status);
          if (res.status >= 400) {
            const json = (await res.json()) as any;
            expect(Object.keys(json)).toEqual(['error']);
            expect(typeof json.error.code).toBe('string');
            expect(typeof json.error.message).toBe('string');
          } else {
            await res.arrayBuffer();
          }
          // Let the machines settle what the request started, so runs stay independent.
          for (const server of ['github', 'locked', 'plain']) {
            const child = t.world.child(server);
            if (String(child.getSnapshot().value) === 'loggingIn') t.world.completeLogins();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
