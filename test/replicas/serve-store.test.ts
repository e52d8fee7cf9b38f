/**
 * @module Issue 10, configuring the shared store of `serve`: `$MCPPROXY_STORE_URL` selects
 * PostgreSQL and `/readyz` names the store and the replica id; without the shared record key, an
 * unreachable PostgreSQL, or a wrong password, `serve` refuses to start with one sentence that
 * never shows the URL's password (exit 2 for the missing key, 1 otherwise).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { newEncryptionKey, readyz } from './support/cluster.js';

const postgres = useEmbeddedPostgres();
const running: ProxyProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

/** Starts serve expecting it to exit before listening; answers its exit code and output. */
async function refusedStart(options: Parameters<typeof startProxy>[0]) {
  const outcome = await startProxy(options).then(
    (proxy) => {
      running.push(proxy);
      return null;
    },
    (error: Error) => error.message,
  );
  expect(outcome, 'serve should have refused to start').not.toBeNull();
  const code = /exited with (\d+)/.exec(outcome!)?.[1];
  return { code: Number(code), output: outcome! };
}

describe('serve on a PostgreSQL store', () => {
  it('$MCPPROXY_STORE_URL selects PostgreSQL; /readyz names the store and the replica id', async () => {
    const proxy = await startProxy({
      config: { mcpServers: [] },
      env: {
        MCPPROXY_STORE_URL: await postgres().newDatabase(),
        MCPPROXY_ENCRYPTION_KEY: newEncryptionKey(),
        MCPPROXY_REPLICA_ID: 'replica-7',
      },
      logLevel: 'info',
    });
    running.push(proxy);

    const ready = await readyz({ id: 'replica-7', url: proxy.url, proxy });

    expect(ready).toEqual({
      status: 'ready',
      store: 'postgres',
      replica_id: 'replica-7',
      store_available: true,
    });
    expect(proxy.output()).not.toContain(postgres().password);
  });

  it('refuses to start without the shared $MCPPROXY_ENCRYPTION_KEY (exit 2)', async () => {
    const url = await postgres().newDatabase();
    const { code, output } = await refusedStart({
      config: { store: { kind: 'postgres', url }, mcpServers: [] },
    });

    expect(code).toBe(2);
    expect(output).toContain('$MCPPROXY_ENCRYPTION_KEY');
    expect(output).not.toContain(postgres().password);
  });

  it('refuses to start when PostgreSQL cannot be reached (exit 1), password redacted', async () => {
    const { code, output } = await refusedStart({
      config: { mcpServers: [] },
      env: {
        MCPPROXY_STORE_URL: 'postgres://mcpproxy:s3cret-pw@127.0.0.1:1/mcpproxy',
        MCPPROXY_ENCRYPTION_KEY: newEncryptionKey(),
      },
    });

    expect(code).toBe(1);
    expect(output).toContain('Cannot open the token store: cannot reach PostgreSQL at 127.0.0.1:1');
    expect(output).not.toContain('s3cret-pw');
  });

  it('refuses to start when PostgreSQL refuses the login (exit 1), password redacted', async () => {
    const url = (await postgres().newDatabase()).replace(postgres().password, 'wrong-pw-123');
    const { code, output } = await refusedStart({
      config: { mcpServers: [] },
      env: { MCPPROXY_STORE_URL: url, MCPPROXY_ENCRYPTION_KEY: newEncryptionKey() },
    });

    expect(code).toBe(1);
    expect(output).toContain("refused the token store's login");
    expect(output).not.toContain('wrong-pw-123');
  });
});
