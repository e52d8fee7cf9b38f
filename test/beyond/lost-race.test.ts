/**
 * Lost race vs dead grant (SPEC §3a) with the real pieces: the supervisor and upstream machines,
 * the real store actor on LMDB, the refresh actor with the cross-process coordinator, the
 * observer's metrics, and the project's OAuth test server rotating refresh tokens.
 * A second party redeems the same refresh token and commits first: the daemon's `invalid_grant`
 * is a lost race — it adopts the newer generation, no login, no `success` counted. A revoked
 * grant is a dead grant: loginRequired, and the stored record is left as it was.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, toPromise, waitFor } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { supervisorMachine } from '../../machines/supervisor/supervisor.machine.js';
import { emptyRecord, type TokenRecord } from '../../machines/upstream/token-record.js';
import { upstreamMachine } from '../../machines/upstream/upstream.machine.js';
import type { RefreshInput } from '../../machines/upstream/upstream.types.js';
import { EventHub, type ProxyEvent } from '../../services/events/proxy-events.js';
import { createConnectActor, sessionActor } from '../../services/mcp-client/index.js';
import { createMetrics } from '../../services/metrics/metrics.js';
import { createUpstreamObserver } from '../../services/observer/upstream-observer.js';
import { createLoginActor, createRefreshActor } from '../../services/oauth/index.js';
import { createRefreshCoordinator } from '../../services/runtime/refresh-coordinator.js';
import { createStoreActor } from '../../services/runtime/store-actor.js';
import { serverKey } from '../../services/server-key.js';
import { commitRefresh } from '../../services/token-store/commit-refresh.js';
import { openLmdbStore, type LmdbTokenStore } from '../../services/token-store/lmdb-store.js';
import { memoryLogger } from '../http/support/memory-logger.js';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { browserLogin, httpEntry } from '../services/oauth/fixtures.js';
import { tmpDirs } from '../helpers/tmp-dir.js';
import { KEY } from '../services/token-store/support.js';

const dirs = tmpDirs('mcpproxy-lost-race-');
let as: OAuthTestServer;
let store: LmdbTokenStore;
let supervisor: ReturnType<typeof createActor<typeof supervisorMachine>> | undefined;

beforeEach(async () => {
  // Reuse detection off: a stale refresh token is refused with invalid_grant, the grant lives on
  // (with it on, the lease — proven in the two-process test — keeps a loser from presenting it).
  as = await startOAuthTestServer({
    accessTokenTtlS: 3600,
    rotateRefreshTokens: true,
    reuseDetection: false,
  });
  store = await openLmdbStore({
    dataDir: await dirs.make(),
    encryptionKey: KEY,
    pollIntervalMs: 100,
  });
});
afterEach(async () => {
  supervisor?.stop();
  supervisor = undefined;
  await store.close();
  await as.stop();
  await dirs.cleanup();
});

/** A daemon in this process; `beforeTokenAnswer` runs after the AS answered its token request. */
async function daemon(
  entry: ReturnType<typeof httpEntry>,
  key: string,
  beforeTokenAnswer: { hook: (() => Promise<void>) | null },
) {
  const log = memoryLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const observer = createUpstreamObserver({
    logger: log.logger,
    metrics,
    events: new EventHub<ProxyEvent>(),
    now: Date.now,
  });
  const coordinator = createRefreshCoordinator({ store, ownerId: 'daemon', logger: log.logger });
  const fetchImpl = async (url: string | URL, init?: RequestInit) => {
    const response = await fetch(url, init);
    if (String(url).endsWith('/token') && beforeTokenAnswer.hook) await beforeTokenAnswer.hook();
    return response;
  };
  const upstream = upstreamMachine.provide({
    actors: {
      connect: createConnectActor({ logger: log.logger }),
      session: sessionActor,
      refresh: createRefreshActor({ logger: log.logger, ...coordinator, fetchImpl }),
      login: createLoginActor({ logger: log.logger }),
    },
  });
  supervisor = createActor(
    supervisorMachine.provide({ actors: { upstream, store: createStoreActor(store, log.logger) } }),
    {
      input: {
        servers: [{ entry, serverKey: key }],
        settings: { threshold: 0.8, minIntervalMs: 1_000 },
        maxJitter: 0.05,
        jitterSeed: 1,
        env: { now: Date.now, newId: randomUUID },
      },
    },
  );
  observer.watch(supervisor);
  supervisor.start();
  const child = await waitFor(supervisor, (s) => Boolean(s.context.children[entry.name])).then(
    (s) => s.context.children[entry.name] as AnyActorRef,
  );
  await waitFor(child, (s) => s.matches({ authenticated: 'refreshScheduled' }), {
    timeout: 10_000,
  });
  const counted = async (result: string) => {
    const metric = await metrics.refreshTotal.get();
    return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
  };
  return { child, log, counted };
}

async function seeded() {
  const entry = httpEntry(as.mcpUrl, {}, 'demo');
  const key = serverKey('demo', as.mcpUrl);
  const { record } = await browserLogin({
    entry,
    serverKey: key,
    record: emptyRecord(key, 'demo', as.mcpUrl),
  });
  return { entry, key, stored: await store.put(record) };
}

/** Another process (a standalone refresh without the lease) redeems the stored refresh token. */
async function otherProcessRedeems(
  entry: ReturnType<typeof httpEntry>,
  key: string,
  record: TokenRecord,
) {
  const refresh = createRefreshActor({ logger: memoryLogger().logger });
  const input: RefreshInput = { entry, serverKey: key, record, correlationId: 'other', attempt: 0 };
  const output = await toPromise(createActor(refresh, { input }).start());
  if (output.kind !== 'issued') throw new Error('expected a new token');
  return output.record;
}

const stored = async (key: string) => {
  const read = await store.read(key);
  if (read.status !== 'found') throw new Error(read.status);
  return read.record;
};

describe('invalid_grant: lost race or dead grant', () => {
  it('a lost race adopts the newer generation: no login, no success counted, the log line says so', async () => {
    const { entry, key, stored: first } = await seeded();
    const gate: { hook: (() => Promise<void>) | null } = { hook: null };
    const { child, log, counted } = await daemon(entry, key, gate);

    const theirs = await otherProcessRedeems(entry, key, first);
    // The other process's commit lands while the daemon's redeem of the same token is answered.
    gate.hook = async () => {
      gate.hook = null;
      const outcome = await commitRefresh(store, key, first.tokens!.refresh_token!, theirs);
      expect(outcome.won).toBe(true);
    };
    child.send({ type: 'upstream.unauthorized' });
    await waitFor(
      child,
      (s) =>
        s.matches({ authenticated: 'refreshScheduled' }) &&
        s.context.record.generation > first.generation,
      { timeout: 10_000 },
    );

    const context = child.getSnapshot().context;
    expect(context.record.tokens.refresh_token).toBe(theirs.tokens?.refresh_token);
    expect((await stored(key)).tokens?.refresh_token).toBe(theirs.tokens?.refresh_token);
    const refreshes = as.log().filter((e) => e.grant_type === 'refresh_token');
    expect(refreshes.map((e) => e.error ?? 'ok')).toEqual(['ok', 'invalid_grant']);
    expect(as.log().filter((e) => e.path === '/authorize')).toHaveLength(1);
    expect(as.grants().map((g) => g.revoked)).toEqual([false]);
    expect(
      log.lines.some((l) => l.msg === 'lost refresh race; using token rotated by another process'),
    ).toBe(true);
    expect(await counted('success')).toBe(0);
    expect(await counted('failed_invalid_grant')).toBe(0);
    expect(child.getSnapshot().context.flow).toBeNull();
  });

  it('a dead grant parks the server and leaves the stored record alone', async () => {
    const { entry, key, stored: first } = await seeded();
    const { child, counted } = await daemon(entry, key, { hook: null });
    as.revokeAll();
    child.send({ type: 'upstream.unauthorized' });
    await waitFor(child, (s) => s.matches('loginRequired'), { timeout: 10_000 });

    expect(child.getSnapshot().context.loginReason).toMatch(
      /^Refresh token rejected \(.*\) - login required$/,
    );
    expect(await counted('failed_invalid_grant')).toBe(1);
    expect(await counted('success')).toBe(0);
    const after = await stored(key);
    expect(after.generation).toBe(first.generation);
    expect(after.tokens?.refresh_token).toBe(first.tokens?.refresh_token);
    expect(as.log().filter((e) => e.path === '/authorize')).toHaveLength(1);
  });
});
