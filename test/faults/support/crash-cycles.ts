/**
 * @module Drives `kill -9` crash cycles of a real `mcpproxy serve` against one OAuth test server
 * with refresh-token rotation and reuse detection: start, reconnect from the store, let refreshes
 * run, SIGKILL at a seeded random moment (half of them aimed at the refresh itself), check the
 * store opens and decrypts, repeat. Each cycle's findings are returned for the test to assert.
 *
 * One window cannot be survived by any client: the AS has rotated the refresh token but the
 * answer (the only copy of the new one) died with the process before it was committed. Such a
 * cycle is detected (the AS issued a refresh token the store never got) and reported as
 * `lostResponse`; the next start then presents the last committed token, which the AS sees as
 * reuse, and the server must land in loginRequired (never a browser) — the helper logs in again.
 */
import { createHash } from 'node:crypto';
import type { OAuthTestServer, RequestLogEntry } from '../../oauthserver/index.js';
import { startProxy, type ProxyProcess } from '../../helpers/proxy-process.js';
import { serverKey } from '../../../services/server-key.js';
import { loadEncryptionKey, openLmdbStore } from '../../../services/token-store/index.js';
import {
  isAuthenticated,
  loginViaDaemon,
  serverView,
  waitForView,
  STARTUP_MS,
} from './daemon-api.js';

export interface CrashCycle {
  index: number;
  /** `random`: uniform over a refresh period; `refresh`: within ±150 ms of the refresh moment. */
  aim: 'random' | 'refresh';
  killAfterMs: number;
  /** The server reached authenticated after the restart with no login. */
  reconnected: boolean;
  /** The store opened and the server's record decrypted after the kill. */
  storeReadable: boolean;
  storeStatus: string;
  /** Refresh answers (with a new token) the AS gave during this cycle. */
  refreshes: number;
  /** The AS rotated a refresh token the store never received (see module comment). */
  lostResponse: boolean;
  /** Requests in this cycle where the AS saw a retired refresh token. */
  reusedAtAs: number;
  /** After a lost response: the restart parked the server in loginRequired (then re-login). */
  parkedAfterLoss?: boolean;
  /** Authorization requests (browser logins) during this cycle. */
  logins: number;
}

export interface CrashCycleOptions {
  as: OAuthTestServer;
  dataDir: string;
  name: string;
  cycles: number;
  seed: number;
  /** The token's refresh period in ms (threshold × TTL), for aiming kills. */
  periodMs: number;
  onCycle?: (cycle: CrashCycle) => void;
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fp = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The proxy config of the crash runs: few-second tokens need a short minimum interval. */
export function crashConfig(name: string, mcpUrl: string): Record<string, unknown> {
  return {
    refresh: { min_interval_s: 1 },
    mcpServers: { [name]: { url: mcpUrl, protocol: 'http' } },
  };
}

/** Reads the server's record from the store of a stopped proxy. */
async function inspectStore(dataDir: string, key: string) {
  const { key: encryptionKey } = await loadEncryptionKey({ dataDir, env: {} });
  const store = await openLmdbStore({ dataDir, encryptionKey });
  try {
    const result = await store.read(key);
    const refresh = result.status === 'found' ? result.record.tokens?.refresh_token : undefined;
    return { status: result.status, refreshFp: refresh ? fp(refresh) : null };
  } finally {
    await store.close();
  }
}

/** The fingerprint of the newest refresh token the AS issued, if any. */
function lastIssuedRefresh(log: RequestLogEntry[]): string | null {
  for (let i = log.length - 1; i >= 0; i -= 1) {
    const fingerprint = log[i]!.issued_refresh_token_fp;
    if (fingerprint) return fingerprint;
  }
  return null;
}

/** Logs in once through a daemon so the data dir holds a token, then stops it. */
export async function seedLogin(options: { as: OAuthTestServer; dataDir: string; name: string }) {
  const proxy = await startProxy({
    timeoutMs: STARTUP_MS,
    config: crashConfig(options.name, options.as.mcpUrl),
    dataDir: options.dataDir,
    logLevel: 'info',
  });
  try {
    await waitForView(proxy.url, options.name, (v) => v.state === 'loginRequired');
    await loginViaDaemon(proxy.url, options.name);
  } finally {
    await proxy.stop('SIGKILL');
  }
}

/** Runs the cycles; the data dir must already hold a login (see {@link seedLogin}). */
export async function runCrashCycles(options: CrashCycleOptions): Promise<CrashCycle[]> {
  const { as, dataDir, name } = options;
  const random = prng(options.seed);
  const key = serverKey(name, as.mcpUrl);
  const results: CrashCycle[] = [];
  let lostBefore = false;
  for (let index = 0; index < options.cycles; index += 1) {
    const logStart = as.log().length;
    const aim: CrashCycle['aim'] = random() < 0.5 ? 'random' : 'refresh';
    const jitter = random();
    let proxy: ProxyProcess | undefined;
    const cycle: CrashCycle = {
      index,
      aim,
      killAfterMs: 0,
      reconnected: false,
      storeReadable: false,
      storeStatus: 'unknown',
      refreshes: 0,
      lostResponse: false,
      reusedAtAs: 0,
      logins: 0,
    };
    try {
      proxy = await startProxy({
        timeoutMs: STARTUP_MS,
        config: crashConfig(name, as.mcpUrl),
        dataDir,
        logLevel: 'info',
      });
      if (lostBefore) {
        // The stored refresh token was rotated away: the first refresh of this process must
        // park the server. The stored access token may still be valid for a moment (a kill near
        // the refresh moment, a quick restart): then serve connects first and parks at that
        // refresh, so an `authenticated` view on the way is no answer yet. A lease the killed
        // process held delays the refresh by up to 30 s.
        const parked = await waitForView(proxy.url, name, (v) => v.state === 'loginRequired', {
          timeoutMs: 45_000,
        }).catch(() => null);
        cycle.parkedAfterLoss = parked !== null;
        if (cycle.parkedAfterLoss) await loginViaDaemon(proxy.url, name);
      }
      // A kill during a refresh leaves that process's lease behind: up to 30 s until it expires.
      const view = await waitForView(proxy.url, name, isAuthenticated, { timeoutMs: 45_000 });
      cycle.reconnected = !lostBefore || cycle.parkedAfterLoss !== true;
      if (aim === 'refresh' && view.oauth?.refresh_at) {
        const target = Date.parse(view.oauth.refresh_at) + (jitter * 300 - 150);
        cycle.killAfterMs = Math.max(0, target - Date.now());
      } else {
        cycle.killAfterMs = Math.round(jitter * options.periodMs * 2);
      }
      await sleep(cycle.killAfterMs);
      // Confirms the process is alive right up to the kill (a crash of its own would be a bug).
      await serverView(proxy.url, name).catch(() => undefined);
    } finally {
      await proxy?.stop('SIGKILL');
    }
    const stored = await inspectStore(dataDir, key).catch((error: unknown) => ({
      status: `open failed: ${(error as Error).message}`,
      refreshFp: null,
    }));
    cycle.storeStatus = stored.status;
    cycle.storeReadable = stored.status === 'found';
    const log = as.log().slice(logStart);
    cycle.refreshes = log.filter(
      (e) => e.grant_type === 'refresh_token' && e.issued_access_token_fp,
    ).length;
    cycle.reusedAtAs = log.filter((e) => e.reused_refresh_token).length;
    cycle.logins = log.filter((e) => e.path === '/authorize').length;
    const issued = lastIssuedRefresh(as.log());
    cycle.lostResponse =
      issued !== null && stored.refreshFp !== null && issued !== stored.refreshFp;
    lostBefore = cycle.lostResponse;
    results.push(cycle);
    options.onCycle?.(cycle);
  }
  return results;
}
