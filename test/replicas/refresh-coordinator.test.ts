/**
 * @module The refresh coordinator on the real PostgreSQL store shared by two replicas: nothing is
 * redeemed without the lease (a newer record that cannot be used, or a holder that never
 * commits, is not a licence to redeem), a store outage is waited through rather than failed,
 * a lease taken only to find a newer usable record is not kept, and a lease is kept alive for as
 * long as its holder's token request takes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { withTokens, type TokenRecord } from '../../machines/upstream/token-record.js';
import { OAuthFlowError } from '../../services/errors.js';
import { createRefreshActor } from '../../services/oauth/refresh-actor.js';
import { createRefreshCoordinator } from '../../services/runtime/refresh-coordinator.js';
import {
  openPostgresStore,
  type PostgresTokenStore,
} from '../../services/token-store/postgres-store.js';
import { useEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import { memoryLogger } from '../http/support/memory-logger.js';
import { startOAuthTestServer } from '../oauthserver/index.js';
import { browserLogin, captureLogger, httpEntry } from '../services/oauth/fixtures.js';
import { GITHUB, KEY, loggedIn } from '../services/token-store/support.js';

const postgres = useEmbeddedPostgres();
const open: PostgresTokenStore[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function replica(url: string): Promise<PostgresTokenStore> {
  const store = await openPostgresStore({ url, encryptionKey: KEY, reconnect: { maxMs: 500 } });
  open.push(store);
  return store;
}

/** `record` with fresh tokens (a usable access token for an hour). */
const rotated = (record: TokenRecord, n: number): TokenRecord =>
  withTokens(
    record,
    { access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${n}` },
    Date.now(),
  );

async function twoReplicas(options: { maxWaitMs?: number; leaseMs?: number } = {}) {
  const url = await postgres().newDatabase();
  const mine = await replica(url);
  const theirs = await replica(url);
  // Logged in long ago: the access token has expired, the refresh token is live.
  const stored = await theirs.put(loggedIn(GITHUB, 'at-old', 'rt-old'));
  const log = memoryLogger();
  const coordinator = createRefreshCoordinator({
    store: mine,
    ownerId: 'me',
    logger: log.logger,
    pollMs: 20,
    outagePollMs: 200,
    ...options,
  });
  return { mine, theirs, stored, coordinator, log };
}

describe('refresh coordinator on a shared PostgreSQL store', () => {
  it('does not answer a newer record without a usable access token while another holds the lease', async () => {
    const { theirs, stored, coordinator } = await twoReplicas({ maxWaitMs: 600 });
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
    // A write that keeps the tokens (e.g. a registration update) leaves the lease in place.
    await theirs.put({ ...stored, callback_port: 45_678 });

    const outcome = coordinator.beforeRedeem(GITHUB, undefined, stored.generation);

    // Its refresh token may be in flight at the holder: waiting out the holder is the only option.
    await expect(outcome).rejects.toBeInstanceOf(OAuthFlowError);
    await expect(outcome).rejects.toMatchObject({ result: 'failed_other' });
  });

  it('gives up with a transient failure, never redeems, when the holder does not commit in time', async () => {
    const { theirs, coordinator } = await twoReplicas({ maxWaitMs: 400 });
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
    const started = Date.now();

    await expect(coordinator.beforeRedeem(GITHUB)).rejects.toThrow(/holds the refresh lease/);

    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
  });

  it("adopts the holder's usable commit while waiting and leaves no lease behind", async () => {
    const { theirs, stored, coordinator } = await twoReplicas();
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
    const waiting = coordinator.beforeRedeem(GITHUB, undefined, stored.generation);
    await new Promise((r) => setTimeout(r, 150));
    const committed = await theirs.commit(rotated(stored, 2), stored.generation);

    const adopted = await waiting;

    expect(committed.committed).toBe(true);
    expect(adopted?.tokens?.refresh_token).toBe('rt-2');
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
  });

  it('does not keep a lease when the store already holds a newer usable record', async () => {
    const { theirs, stored, coordinator } = await twoReplicas();
    await theirs.commit(rotated(stored, 2), stored.generation);

    const newer = await coordinator.beforeRedeem(GITHUB, undefined, stored.generation);

    expect(newer?.tokens?.refresh_token).toBe('rt-2');
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
  });

  it('redeems under the lease, not adopts, a newer record whose access token is about to expire', async () => {
    const { theirs, stored, coordinator } = await twoReplicas();
    const expiring = withTokens(
      stored,
      { access_token: 'at-2', token_type: 'Bearer', expires_in: 0.5, refresh_token: 'rt-2' },
      Date.now(),
    );
    await theirs.commit(expiring, stored.generation);

    const decision = await coordinator.prepareRedeem(GITHUB, undefined, stored.generation);

    expect(decision).toMatchObject({ redeem: { tokens: { refresh_token: 'rt-2' } } });
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(false);
  });

  it('the refresh actor takes an adopt decision as final: no token request, whatever the clock says', async () => {
    const { stored } = await twoReplicas();
    const adopted = {
      ...loggedIn(GITHUB, 'at-expired', 'rt-x'),
      generation: stored.generation + 1,
    };
    let fetched = 0;
    const refresh = createRefreshActor({
      logger: captureLogger().logger,
      prepareRedeem: async () => ({ adopt: adopted }),
      fetchImpl: async () => {
        fetched += 1;
        throw new Error('no request expected');
      },
    });
    const actor = createActor(refresh, {
      input: {
        entry: httpEntry('https://github.example/mcp'),
        serverKey: GITHUB,
        record: stored,
        correlationId: 'c',
        attempt: 0,
      },
    });
    actor.start();

    expect(await toPromise(actor)).toEqual({ kind: 'adopted', record: adopted });
    expect(fetched).toBe(0);
  });

  it('waits through a PostgreSQL outage and takes the lease when it returns', async () => {
    const { mine, theirs, stored, coordinator, log } = await twoReplicas();
    await postgres().pause();
    const waiting = coordinator.beforeRedeem(GITHUB, undefined, stored.generation);
    let settled = false;
    void waiting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(settled).toBe(false);
    expect(mine.isAvailable()).toBe(false);
    await postgres().resume();

    const record = await waiting;

    expect(record?.tokens?.refresh_token).toBe('rt-old');
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(false);
    expect(log.lines.map((l) => l.msg)).toContain(
      'Token store unavailable: the refresh waits for it (nothing is redeemed meanwhile)',
    );
  });

  it('keeps the lease alive while a redemption outlasts the lease time, and no longer', async () => {
    const { theirs, stored, coordinator } = await twoReplicas({ leaseMs: 300 });
    await coordinator.beforeRedeem(GITHUB, undefined, stored.generation);
    const stop = coordinator.holdLease(GITHUB);

    await new Promise((r) => setTimeout(r, 1_000));
    const takenMeanwhile = await theirs.acquireLease(GITHUB, 'them', 30_000);
    await stop();
    await new Promise((r) => setTimeout(r, 500));

    expect(takenMeanwhile).toBe(false);
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
  });

  it('the refresh actor holds the lease for as long as the token endpoint takes', async () => {
    const as = await startOAuthTestServer({ rotateRefreshTokens: true });
    cleanups.push(() => as.stop());
    const entry = httpEntry(as.mcpUrl);
    const { record } = await browserLogin({ entry, record: null });
    const url = await postgres().newDatabase();
    const mine = await replica(url);
    const theirs = await replica(url);
    const key = record.server_key;
    const stored = await mine.put(record);
    const coordinator = createRefreshCoordinator({
      store: mine,
      ownerId: 'me',
      logger: memoryLogger().logger,
      leaseMs: 300,
    });
    const refresh = createRefreshActor({ logger: captureLogger().logger, ...coordinator });
    as.setFail({ mode: 'slow', grant: 'refresh_token', delay_ms: 1_200 });

    const actor = createActor(refresh, {
      input: { entry, serverKey: key, record: stored, correlationId: 'c', attempt: 0 },
    });
    actor.start();
    await new Promise((r) => setTimeout(r, 900));
    const takenMeanwhile = await theirs.acquireLease(key, 'them', 30_000);
    const output = await toPromise(actor);

    expect(takenMeanwhile).toBe(false);
    expect(output.kind).toBe('issued');
  });

  it('stops waiting for the store when the refresh is cancelled', async () => {
    const { coordinator } = await twoReplicas();
    await postgres().pause();
    const controller = new AbortController();
    const waiting = coordinator.beforeRedeem(GITHUB, controller.signal);
    setTimeout(() => controller.abort(new Error('state left')), 300);

    await expect(waiting).rejects.toThrow('state left');
    await postgres().resume();
  });
});
