import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, childEnv, startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';

describe('mcpproxy serve lifecycle (real process)', () => {
  let proxy: ProxyProcess | undefined;
  afterEach(async () => {
    await proxy?.stop('SIGKILL');
    proxy = undefined;
  });

  it('starts with zero upstreams when there is no config and stops cleanly on SIGINT (exit 0 within 5 s)', async () => {
    proxy = await startProxy({ config: {} });
    const health = await fetch(`${proxy.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = (await (await fetch(`${proxy.url}/readyz`)).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({ status: 'ready', store: 'lmdb', store_available: true });
    const started = Date.now();
    const code = await proxy.stop('SIGINT');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops cleanly (exit 0) on a SIGINT that comes while it is still starting', async () => {
    const dataDir = await makeTmpDir('mcpproxy-serve-early-');
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'info'],
        { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      let out = '';
      // The first line serve logs (no config) comes while it is starting: before the store is
      // open and before it listens. Bounded by the test timeout.
      await new Promise<void>((resolve) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('No config file found')) resolve();
        });
      });
      child.kill('SIGINT');
      const code = await Promise.race([
        exited,
        new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000)),
      ]);
      if (code === 'still running') child.kill('SIGKILL');
      expect(code).toBe(0);
      expect(out).toContain('Shutting down');
    } finally {
      await removeTmpDir(dataDir);
    }
  });
});
