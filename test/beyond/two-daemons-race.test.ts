/**
 * Two real `mcpproxy serve` processes on one data dir (SPEC §3a) against the project's OAuth test
 * server with refresh-token rotation and reuse detection on: five servers with 2-second access
 * tokens refreshed at half their lifetime race 200+ refreshes. Proven from the outside:
 * - the AS never sees a rotated refresh token presented again, and no grant is revoked;
 * - no login after the initial one per server, no "login required" in either daemon;
 * - both daemons really redeem (each wins some races, and adopts the other's commit in others);
 * - the store's generation only grows, and once the AS stops issuing it holds the newest,
 *   still-live refresh token of every server;
 * - both daemons are healthy again, and a standalone `auth logout` parks the server in both
 *   within 3 s ("Logged out by another process").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverKey } from '../../services/server-key.js';
import {
  loadEncryptionKey,
  openLmdbStore,
  type LmdbTokenStore,
} from '../../services/token-store/index.js';
import { followAuthUrl } from '../helpers/browser.js';
import { runCli, startProxy, waitFor, type ProxyProcess } from '../helpers/proxy-process.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { fingerprint } from '../oauthserver/state.js';

const NAMES = ['r0', 'r1', 'r2', 'r3', 'r4'];
const TARGET_REFRESHES = 200;

interface View {
  name: string;
  state: string;
  oauth_status: string;
  health: { level: string; summary: string; detail: string; action: string };
}

let as: OAuthTestServer;
let dataDir: string;
let store: LmdbTokenStore | undefined;
const daemons: ProxyProcess[] = [];

beforeAll(async () => {
  as = await startOAuthTestServer({
    accessTokenTtlS: 2,
    rotateRefreshTokens: true,
    reuseDetection: true,
  });
  dataDir = await makeTmpDir('mcpproxy-two-daemons-');
});
afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop('SIGKILL')));
  await store?.close();
  await as.stop();
  await removeTmpDir(dataDir);
});

const views = async (daemon: ProxyProcess) =>
  (await (await fetch(`${daemon.url}/api/v1/servers`)).json()) as View[];

const allAuthenticated = async (daemon: ProxyProcess) => {
  const list = await views(daemon);
  return (
    list.length === NAMES.length &&
    list.every((v) => v.oauth_status === 'authenticated' && v.health.level === 'healthy')
  );
};

const refreshEntries = () =>
  as.log().filter((e) => e.path === '/token' && e.grant_type === 'refresh_token');
const messages = (daemon: ProxyProcess, msg: string) =>
  daemon.logLines().filter((l) => l.msg === msg);

async function storedRecords() {
  const out = new Map<string, { generation: number; refreshFp: string; clientId: string }>();
  for (const name of NAMES) {
    const read = await store!.read(serverKey(name, as.mcpUrl));
    if (read.status !== 'found') throw new Error(`${name}: record is ${read.status}`);
    const { record } = read;
    out.set(name, {
      generation: record.generation,
      refreshFp: fingerprint(record.tokens!.refresh_token!),
      clientId: record.registration!.client_id,
    });
  }
  return out;
}

describe('two daemons on one data dir racing refreshes with rotation on', () => {
  it(
    `need no login, never reuse a refresh token, and keep the newest generation (${TARGET_REFRESHES}+ refreshes)`,
    // Not retried: an attempt leaves the data dir logged in and the AS's log full, so a retry
    // could only fail for a reason of its own.
    { timeout: 150_000, retry: 0 },
    async () => {
      const config = {
        refresh: { threshold: 0.5, min_interval_s: 1 },
        as_budget_per_minute: 1000,
        mcpServers: NAMES.map((name) => ({ name, url: as.mcpUrl, oauth: {} })),
      };
      const a = await startProxy({ config, dataDir, logLevel: 'info' });
      daemons.push(a);
      await waitFor(async () => (await views(a)).every((v) => v.state === 'loginRequired'), {
        what: 'daemon A parked',
      });
      for (const name of NAMES) {
        const res = await fetch(`${a.url}/api/v1/servers/${name}/login`, { method: 'POST' });
        const { auth_url } = (await res.json()) as { auth_url: string };
        expect((await followAuthUrl(auth_url)).callbackStatus).toBe(200);
      }
      await waitFor(() => allAuthenticated(a), {
        timeoutMs: 20_000,
        what: 'daemon A authenticated',
      });
      const b = await startProxy({ config, dataDir, logLevel: 'info' });
      daemons.push(b);
      await waitFor(() => allAuthenticated(b), {
        timeoutMs: 20_000,
        what: 'daemon B authenticated',
      });

      const { key } = await loadEncryptionKey({ dataDir });
      store = await openLmdbStore({ dataDir, encryptionKey: key });
      let last = await storedRecords();
      while (refreshEntries().length < TARGET_REFRESHES) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const now = await storedRecords();
        for (const name of NAMES)
          expect(now.get(name)!.generation).toBeGreaterThanOrEqual(last.get(name)!.generation);
        last = now;
        if (refreshEntries().length < TARGET_REFRESHES) {
          expect(daemons.every((d) => d.child.exitCode === null)).toBe(true);
        }
      }

      // Freeze issuance (refreshes answer 500, nothing rotates), let in-flight commits land, then
      // the store must hold, for every server, the last refresh token the AS issued — still live.
      as.setFail({ mode: 'server_error', grant: 'refresh_token' });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const frozen = await storedRecords();
      const entries = as.log();
      for (const name of NAMES) {
        const { clientId, refreshFp } = frozen.get(name)!;
        const issued = entries.filter((e) => e.client_id === clientId && e.issued_refresh_token_fp);
        expect(refreshFp, `${name} holds the newest refresh token`).toBe(
          issued.at(-1)!.issued_refresh_token_fp,
        );
      }
      expect(as.grants().map((g) => [g.revoked, g.live_refresh_tokens])).toEqual(
        NAMES.map(() => [false, 1]),
      );
      as.setFail({ mode: 'none' });

      const refreshes = refreshEntries().filter((e) => !e.injected);
      expect(refreshes.length).toBeGreaterThanOrEqual(TARGET_REFRESHES);
      expect(refreshes.filter((e) => e.reused_refresh_token)).toEqual([]);
      expect(refreshes.filter((e) => e.status !== 200)).toEqual([]);
      expect(as.log().filter((e) => e.path === '/authorize')).toHaveLength(NAMES.length);
      // Both processes redeemed (the race was real) and both adopted the other's commits. Not
      // evenly: a process that gets less CPU (a loaded machine) learns of the other's commits
      // later and adopts more often (72/128 redemptions run alone; one process had only 5 in a
      // full parallel test run).
      const split = [a, b].map((daemon) => ({
        redeemed: messages(daemon, 'OAuth token refresh succeeded').length,
        adopted: messages(daemon, 'lost refresh race; using token rotated by another process')
          .length,
      }));
      for (const { redeemed, adopted } of split) {
        expect(redeemed, JSON.stringify(split)).toBeGreaterThanOrEqual(3);
        expect(adopted, JSON.stringify(split)).toBeGreaterThanOrEqual(3);
      }
      for (const daemon of [a, b]) {
        // A parked each server once before the initial logins; nothing after needed one.
        const parked = messages(daemon, 'OAuth login required');
        expect(parked.map((l) => l.error)).toEqual(
          daemon === a ? NAMES.map(() => 'No token stored - login required') : [],
        );
        expect(messages(daemon, 'OAuth login started')).toHaveLength(
          daemon === a ? NAMES.length : 0,
        );
      }

      // After the freeze both recover by themselves (backoff), with no login.
      await waitFor(async () => (await allAuthenticated(a)) && (await allAuthenticated(b)), {
        timeoutMs: 40_000,
        intervalMs: 250,
        what: 'both daemons healthy again',
      });
      expect(as.log().filter((e) => e.path === '/authorize')).toHaveLength(NAMES.length);

      // A standalone logout (a third process) reaches both daemons within 3 s.
      const logout = await runCli([
        'auth',
        'logout',
        '--server',
        'r0',
        '--data-dir',
        dataDir,
        '--config',
        a.configPath,
      ]);
      expect(logout.code, logout.stderr).toBe(0);
      const loggedOut = Date.now();
      for (const daemon of [a, b]) {
        await waitFor(
          async () => (await views(daemon)).find((v) => v.name === 'r0')?.state === 'loginRequired',
          {
            timeoutMs: 3_000,
            intervalMs: 100,
            what: 'r0 parked after the standalone logout',
          },
        );
        const r0 = (await views(daemon)).find((v) => v.name === 'r0')!;
        expect(r0.health).toMatchObject({
          summary: 'Login required',
          detail: 'Logged out by another process - login required',
          action: 'login',
        });
      }
      expect(Date.now() - loggedOut).toBeLessThan(3_000);
    },
  );
});
