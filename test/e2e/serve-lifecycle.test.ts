import { afterEach, describe, expect, it } from 'vitest';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';

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
});
