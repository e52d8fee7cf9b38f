/** @module The CLI: argument parsing, the JSON start line, SIGTERM shutdown, usage errors (exit 2). */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { parseDuration } from './index.js';
import { get } from './requests.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const children: ChildProcess[] = [];

function run(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    timeout: 15_000,
  });
}

afterAll(() => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(child.pid, 'SIGKILL');
    }
  }
});

describe('OAuth test server CLI', () => {
  test.each([
    ['30s', 30],
    ['5m', 300],
    ['24h', 86400],
    ['2d', 172800],
    ['45', 45],
  ])('parseDuration(%s) = %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  test('parses every option into server options', () => {
    const args = parseCliArgs([
      '--port=0',
      '--access-token-ttl',
      '5m',
      '--refresh-token-ttl',
      'none',
      '--rotate-refresh-tokens',
      '--fail',
      'flaky',
      '--fail-every',
      '4',
      '--fail-grant',
      'refresh_token',
      '--scopes',
      'mcp,admin',
      '--quiet',
    ]);

    expect(args).toEqual({
      help: false,
      quiet: true,
      options: expect.objectContaining({
        port: 0,
        accessTokenTtlS: 300,
        refreshTokenTtlS: null,
        rotateRefreshTokens: true,
        reuseDetection: true,
        scopesSupported: ['mcp', 'admin'],
        fail: { mode: 'flaky', every: 4, grant: 'refresh_token' },
      }),
    });
  });

  test.each([
    [['--access-token-ttl', '5x'], /invalid duration "5x"/],
    [['--port', 'abc'], /--port must be a whole number/],
    [['--fail', 'explode'], /unknown fail mode "explode"/],
    [['--fail-every', '2'], /--fail-every needs --fail MODE/],
    [['--host', '0.0.0.0'], /host must be a loopback address/],
    [['--bogus'], /unknown option --bogus/],
    [['--port'], /--port needs a value/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });

  test('bad arguments exit 2 with one line on stderr and no stack trace', () => {
    const result = run(['--access-token-ttl', '5x']);

    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'oauth-test-server: invalid duration "5x" (use e.g. 30s, 5m, 24h or seconds) (see --help)',
    ]);
  });

  test('--help prints usage and exits 0', () => {
    const result = run(['--help']);

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run oauth-test-server/);
  });

  test('starts, prints a JSON start line, serves metadata and stops on SIGTERM with exit 0', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--port', '0', '--access-token-ttl', '10s', '--fail', 'flaky'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    child.stderr!.resume(); // per-request lines; not asserted here
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    const ready = JSON.parse(first.value as string) as Record<string, unknown>;

    expect(ready).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      mcp: `${ready.url}/mcp`,
      issuer: ready.url,
      resource_metadata: `${ready.url}/.well-known/oauth-protected-resource/mcp`,
      pid: child.pid,
    });
    const metadata = await get(`${ready.url}/.well-known/oauth-authorization-server`);
    expect(metadata.body).toMatchObject({ issuer: ready.url });
    expect((await get(`${ready.url}/__admin/fail`)).body).toMatchObject({
      mode: 'flaky',
      every: 3,
    });

    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
  });
});
