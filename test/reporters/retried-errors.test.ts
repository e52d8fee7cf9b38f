/**
 * @module The retried-errors reporter in a real child vitest: a test that passes on its retry
 * has its first failure printed at the end, naming the file, the test and the failing line; a
 * test that passed at once is not listed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

it('prints the first failure of a test that passed on its retry', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--config',
      'test/reporters/fixtures/vitest.fixture.config.ts',
    ],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 60_000 },
  );
  const report = stdout.slice(stdout.indexOf('Failures that passed on a retry'));
  expect(report).toMatch(/^Failures that passed on a retry \(1\):$/m);
  expect(report).toContain(
    'test/reporters/fixtures/fails-once.fixture.ts > passes on its second attempt (passed on retry 1)',
  );
  expect(report).toContain('AssertionError: first attempt of the fixture: expected 1 to be 2');
  expect(report).toMatch(/^ {6}at .*test\/reporters\/fixtures\/fails-once\.fixture\.ts:8:\d+/m);
  expect(report).not.toContain('passes at once');
});
