/**
 * A refresh attempt that is cancelled while it holds the cross-process lease (its state was left,
 * or `serve` is stopping while the token endpoint hangs) gives the lease up at once: nothing of
 * it will be committed, so the next process need not wait up to 30 s for the lease to run out.
 * Real LMDB in a temp dir, the OAuth test server hanging on the refresh grant.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createRefreshActor } from '../../services/oauth/refresh-actor.js';
import { createRefreshCoordinator } from '../../services/runtime/refresh-coordinator.js';
import { openLmdbStore, type LmdbTokenStore } from '../../services/token-store/lmdb-store.js';
import { tmpDirs } from '../helpers/tmp-dir.js';
import { memoryLogger } from '../http/support/memory-logger.js';
import { startOAuthTestServer } from '../oauthserver/index.js';
import { browserLogin, captureLogger, httpEntry } from '../services/oauth/fixtures.js';
import { KEY } from '../services/token-store/support.js';

const dirs = tmpDirs('mcpproxy-lease-release-');
const cleanups: Array<() => Promise<void>> = [];
let store: LmdbTokenStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await dirs.cleanup();
});

/** Polls `check` every 50 ms, at most `tries` times. */
async function eventually(check: () => Promise<boolean>, tries: number): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('a cancelled refresh', () => {
  it('releases the lease it held while the token endpoint hung', async () => {
    const as = await startOAuthTestServer({ rotateRefreshTokens: true });
    cleanups.push(() => as.stop());
    const entry = httpEntry(as.mcpUrl);
    const { record } = await browserLogin({ entry, record: null });
    store = await openLmdbStore({ dataDir: await dirs.make(), encryptionKey: KEY });
    const stored = await store.put(record);
    const key = stored.server_key;
    const coordinator = createRefreshCoordinator({
      store,
      ownerId: 'me',
      logger: memoryLogger().logger,
    });
    const refresh = createRefreshActor({ logger: captureLogger().logger, ...coordinator });
    as.setFail({ mode: 'timeout', grant: 'refresh_token' });

    const actor = createActor(refresh, {
      input: { entry, serverKey: key, record: stored, correlationId: 'c', attempt: 0 },
    });
    actor.subscribe({ error: () => undefined });
    actor.start();
    // The attempt holds the lease while its token request hangs (bounded: 4 s).
    const held = await eventually(async () => !(await store!.acquireLease(key, 'other', 1)), 80);
    expect(held).toBe(true);

    actor.stop();
    // The lease is free well before its 30 s would run out (bounded: 2 s).
    expect(await eventually(() => store!.acquireLease(key, 'other', 30_000), 40)).toBe(true);
    const stillStored = await store.read(key);
    expect(stillStored.status === 'found' && stillStored.record.generation).toBe(stored.generation);
  });
});
