/**
 * A refresh attempt cancelled while its token request is in flight (a restart of the server, a
 * config change) must not lose the answer nor send the same refresh token again: with rotation
 * and reuse detection that revokes the grant. The answer is awaited and stored, the lease held
 * until then, and the next attempt adopts the stored token. An attempt cancelled before it
 * redeemed anything gives its lease up at once. Real LMDB in a temp dir, the OAuth test server
 * (rotation and reuse detection on).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { createRefreshActor } from '../../services/oauth/refresh-actor.js';
import { createRefreshCoordinator } from '../../services/runtime/refresh-coordinator.js';
import { openLmdbStore, type LmdbTokenStore } from '../../services/token-store/lmdb-store.js';
import { refreshRequests } from '../e2e/support/as-log.js';
import { tmpDirs } from '../helpers/tmp-dir.js';
import { memoryLogger } from '../http/support/memory-logger.js';
import { startOAuthTestServer } from '../oauthserver/index.js';
import { browserLogin, captureLogger, httpEntry } from '../services/oauth/fixtures.js';
import { startTinyServer } from '../services/oauth/tiny-server.js';
import { KEY } from '../services/token-store/support.js';

const dirs = tmpDirs('mcpproxy-late-answer-');
const cleanups: Array<() => Promise<void>> = [];
let store: LmdbTokenStore | undefined;
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await store?.close();
  store = undefined;
  await dirs.cleanup();
});

/** Polls `check` every 50 ms, at most `tries` times. */
async function eventually(check: () => Promise<boolean> | boolean, tries: number) {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function world() {
  const as = await startOAuthTestServer({ rotateRefreshTokens: true });
  cleanups.push(() => as.stop());
  const entry = httpEntry(as.mcpUrl);
  const { record } = await browserLogin({ entry, record: null });
  store = await openLmdbStore({ dataDir: await dirs.make(), encryptionKey: KEY });
  const stored = await store.put(record);
  const log = memoryLogger();
  const coordinator = createRefreshCoordinator({ store, ownerId: 'me', logger: log.logger });
  const refresh = createRefreshActor({ logger: captureLogger().logger, ...coordinator });
  const input = {
    entry,
    serverKey: stored.server_key,
    record: stored,
    correlationId: 'c',
    attempt: 0,
  };
  return { as, stored, refresh, input, lines: log.lines, key: stored.server_key };
}

describe('a refresh cancelled mid-request', () => {
  it('stores the late answer, and the next attempt adopts it instead of sending the token again', async () => {
    const { as, stored, refresh, input, lines, key } = await world();
    as.setFail({ mode: 'slow', grant: 'refresh_token', delay_ms: 1_000 });

    const first = createActor(refresh, { input });
    first.subscribe({ error: () => undefined });
    first.start();
    expect(await eventually(() => refreshRequests(as).length === 1, 80)).toBe(true);
    first.stop(); // the state was left: a restart, a config change
    // Still this process's lease while the answer may come.
    expect(await store!.acquireLease(key, 'other', 30_000)).toBe(false);

    // At once a new attempt, from the same (now stale) record.
    const second = createActor(refresh, { input });
    second.start();
    const output = await toPromise(second);

    expect(output.kind).toBe('adopted');
    expect(output.record.generation).toBe(stored.generation + 1);
    expect(output.record.tokens?.refresh_token).not.toBe(stored.tokens?.refresh_token);
    const redemptions = refreshRequests(as);
    expect(redemptions).toHaveLength(1);
    expect(redemptions.some((entry) => entry.reused_refresh_token)).toBe(false);
    const now = await store!.read(key);
    expect(now.status === 'found' && now.record.tokens?.refresh_token).toBe(
      output.record.tokens?.refresh_token,
    );
    expect(lines.map((line) => line.msg)).toContain(
      'A refresh answered after its attempt was cancelled: its rotated token is stored',
    );
    expect(await eventually(() => store!.acquireLease(key, 'other', 30_000), 40)).toBe(true);
  });

  it('gives up the lease at once when cancelled before it redeemed anything', async () => {
    const { as, refresh, input, key } = await world();
    // Its discovery hangs (a server that never answers): nothing is redeemed meanwhile.
    const silent = await startTinyServer();
    cleanups.push(() => silent.stop());
    silent.handle(() => undefined);

    const actor = createActor(refresh, {
      input: { ...input, entry: httpEntry(`${silent.url}/mcp`) },
    });
    actor.subscribe({ error: () => undefined });
    actor.start();
    expect(await eventually(async () => !(await store!.acquireLease(key, 'other', 1)), 80)).toBe(
      true,
    );
    actor.stop();
    expect(await eventually(() => store!.acquireLease(key, 'other', 30_000), 40)).toBe(true);
    expect(refreshRequests(as)).toHaveLength(0);
  });
});
