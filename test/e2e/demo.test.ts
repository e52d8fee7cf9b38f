/**
 * @module `mcpproxy demo` as a real process: it starts the OAuth test server and a proxy, logs in
 * by itself, prints the dashboard URL; tokens refresh; `b` breaks the authorization server, `h`
 * heals it, `r` recovers at once; `q` stops everything and removes the temp data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, childEnv } from '../helpers/proxy-process.js';

interface View {
  name: string;
  state: string;
  oauth_status: string;
  token_expires_at: string | null;
  health: { level: string };
}

let child: ChildProcess | undefined;
let output = '';
afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

async function until<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end)
      throw new Error(
        `condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}\n${output}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('mcpproxy demo', () => {
  it('logs in by itself, refreshes, breaks and recovers on keys, and quits cleanly', async () => {
    child = spawn(
      process.execPath,
      [BIN, 'demo', '--listen', '127.0.0.1:0', '--access-token-ttl', '3s'],
      {
        env: childEnv(),
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    const key = (k: string) => child!.stdin!.write(`${k}\n`);

    const url = await until(
      async () => /Dashboard:\s+(http:\/\/\S+)\//.exec(output)?.[1],
      Boolean,
      30_000,
    );
    const dataDir = /"data_dir":"([^"]+)"/.exec(output)?.[1];
    expect(output).toMatch(/OAuth test server http:\/\/127\.0\.0\.1:\d+/);
    const demo = async () => ((await (await fetch(`${url}/api/v1/servers`)).json()) as View[])[0]!;

    const first = await demo();
    expect(first).toMatchObject({
      name: 'demo',
      oauth_status: 'authenticated',
      health: { level: 'healthy' },
    });
    // 3 s tokens are refreshed at 80 %: a new expiry within a few seconds.
    await until(
      demo,
      (v) => v.token_expires_at !== first.token_expires_at && v.oauth_status === 'authenticated',
      8_000,
    );

    key('b');
    await until(demo, (v) => v.health.level !== 'healthy', 10_000);
    key('h');
    key('r');
    await until(
      demo,
      (v) => v.oauth_status === 'authenticated' && v.health.level === 'healthy',
      10_000,
    );

    key('q');
    expect(await exited).toBe(0);
    expect(dataDir && existsSync(dataDir)).toBe(false);
  }, 60_000);
});
