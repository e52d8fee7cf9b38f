/**
 * The per-AS budget as `provideUpstream` wires it into the real refresh actor (services/runtime),
 * against the project's OAuth test server: four servers start with expired access tokens, the
 * budget allows two token-endpoint requests per (shortened) window, so the AS sees two refreshes
 * at once and the other two only when the window rolls over — queued, none failed, no login.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { supervisorMachine } from '../../machines/supervisor/supervisor.machine.js';
import { emptyRecord } from '../../machines/upstream/token-record.js';
import { createAsBudget } from '../../services/runtime/as-budget.js';
import { createStoreActor } from '../../services/runtime/store-actor.js';
import { provideUpstream } from '../../services/runtime/upstream-logic.js';
import { serverKey } from '../../services/server-key.js';
import { openLmdbStore, type LmdbTokenStore } from '../../services/token-store/lmdb-store.js';
import { tmpDirs } from '../helpers/tmp-dir.js';
import { memoryLogger } from '../http/support/memory-logger.js';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { browserLogin, httpEntry } from '../services/oauth/fixtures.js';
import { KEY } from '../services/token-store/support.js';

const NAMES = ['b0', 'b1', 'b2', 'b3'];
const WINDOW_MS = 3_000;
const dirs = tmpDirs('mcpproxy-budget-');
let as: OAuthTestServer;
let store: LmdbTokenStore;
let supervisor: ReturnType<typeof createActor<typeof supervisorMachine>> | undefined;

beforeEach(async () => {
  as = await startOAuthTestServer({ accessTokenTtlS: 3600, rotateRefreshTokens: true });
  store = await openLmdbStore({ dataDir: await dirs.make(), encryptionKey: KEY });
});
afterEach(async () => {
  supervisor?.stop();
  await store.close();
  await as.stop();
  await dirs.cleanup();
});

it(
  'queues refreshes over the budget of their issuer instead of sending or failing them',
  { timeout: 30_000 },
  async () => {
    const specs = NAMES.map((name) => ({
      entry: httpEntry(as.mcpUrl, {}, name),
      serverKey: serverKey(name, as.mcpUrl),
    }));
    for (const { entry, serverKey: key } of specs) {
      const { record } = await browserLogin({
        entry,
        serverKey: key,
        record: emptyRecord(key, entry.name, as.mcpUrl),
      });
      // The access token expired while mcpproxy was not running: each refreshes before connecting.
      await store.put({ ...record, expires_at: Date.now() - 1_000 });
    }
    as.clearLog();

    const log = memoryLogger();
    const budget = createAsBudget({ perMinute: 2, windowMs: WINDOW_MS });
    supervisor = createActor(
      supervisorMachine.provide({
        actors: {
          upstream: provideUpstream({ store, logger: log.logger, ownerId: 'test', budget }),
          store: createStoreActor(store, log.logger),
        },
      }),
      {
        input: {
          servers: specs,
          settings: { threshold: 0.8, minIntervalMs: 1_000 },
          maxJitter: 0.05,
          jitterSeed: 1,
          env: { now: Date.now, newId: randomUUID },
        },
      },
    ).start();
    const started = Date.now();
    await waitFor(supervisor, (s) => Object.keys(s.context.children).length === NAMES.length);
    for (const child of Object.values(supervisor.getSnapshot().context.children) as AnyActorRef[]) {
      await waitFor(child, (s) => s.matches({ authenticated: 'refreshScheduled' }), {
        timeout: 15_000,
      });
    }

    const refreshes = as.log().filter((e) => e.grant_type === 'refresh_token');
    expect(refreshes.map((e) => e.status)).toEqual([200, 200, 200, 200]);
    const at = refreshes.map((e) => Date.parse(e.at) - started).sort((x, y) => x - y);
    expect(at[1]!).toBeLessThan(WINDOW_MS - 500);
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(WINDOW_MS - 50);
    const waited = log.lines.filter(
      (l) => l.msg === 'Waited for the authorization server request budget',
    );
    expect(waited).toHaveLength(2);
    expect(waited.every((l) => l.issuer === as.issuer.replace(/\/+$/, ''))).toBe(true);
    expect(as.log().filter((e) => e.path === '/authorize')).toHaveLength(0);
  },
);
