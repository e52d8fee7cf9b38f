/**
 * @module Steps shared by the crash tests: a proxy logged in to one rotating OAuth test server,
 * and the restart after a lost rotation (one rejected attempt, parked, one login recovers).
 */
import { expect } from 'vitest';
import type { OAuthTestServer } from '../../oauthserver/index.js';
import { authorizeCount, refreshRequests } from './as-log.js';
import { loginThroughDaemon } from './login.js';
import { serverView, waitForState, waitForView } from './rest.js';
import { storedSummary } from './store.js';
import { oauthConfig, type E2eWorld } from './world.js';

/** One replica id across restarts: the restarted process owns the dead one's lease. */
export const SAME_REPLICA = { MCPPROXY_REPLICA_ID: 'e2e-crash-replica' };

/** A proxy logged in to `as` as server `oauth`, with what it committed. */
export async function loggedInProxy(
  world: E2eWorld,
  as: OAuthTestServer,
  env: Record<string, string> = {},
) {
  const dataDir = await world.dir();
  const config = oauthConfig([['oauth', as]]);
  const proxy = await world.proxy({ config, dataDir, env, logLevel: 'info' });
  await loginThroughDaemon(proxy.url, 'oauth');
  const committed = await storedSummary(dataDir, 'oauth', as.mcpUrl);
  return { dataDir, config, proxy, committed };
}

/** The restart after a lost rotation: one invalid_grant attempt, parked, then a login works. */
export async function expectOneRejectedAttemptThenLogin(
  world: E2eWorld,
  as: OAuthTestServer,
  config: Record<string, unknown>,
  dataDir: string,
  retiredFp: string,
): Promise<void> {
  const restartedAt = new Date().toISOString();
  const again = await world.proxy({ config, dataDir, env: SAME_REPLICA, logLevel: 'info' });
  const parked = await waitForState(again.url, 'oauth', 'loginRequired');
  expect(parked.health).toMatchObject({ level: 'unhealthy', action: 'login' });
  expect(parked.health.detail).toMatch(
    /^Refresh token rejected \(.*invalid_grant.*\) - login required$/,
  );
  const attempts = () => refreshRequests(as).filter((e) => e.at >= restartedAt);
  expect(attempts()).toHaveLength(1);
  expect(attempts()[0]).toMatchObject({ refresh_token_fp: retiredFp, error: 'invalid_grant' });
  // Parked: still that one attempt after several 1 s rate-limit windows.
  await new Promise((r) => setTimeout(r, 2_500));
  expect(attempts()).toHaveLength(1);
  expect((await serverView(again.url, 'oauth')).state).toBe('loginRequired');

  await loginThroughDaemon(again.url, 'oauth');
  await waitForView(again.url, 'oauth', (v) => v.oauth_status === 'authenticated');
  expect(authorizeCount(as)).toBe(2);
}
