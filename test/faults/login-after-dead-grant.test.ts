/**
 * @module A server parked in loginRequired because its refresh token was rejected still holds an
 * access token that has not expired. A user's login must start a flow there: answering
 * "already authenticated" would leave the server parked with no way out but `--force`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { followAuthUrl } from '../helpers/browser.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { isAuthenticated, loginViaDaemon, waitForView } from './support/daemon-api.js';
import { startInProcessProxy, type InProcessProxy } from './support/in-process-proxy.js';

let as: OAuthTestServer;
let proxy: InProcessProxy;
let dir: string;

beforeAll(async () => {
  dir = await makeTmpDir('mcpproxy-deadgrant-');
  as = await startOAuthTestServer({ accessTokenTtlS: 120, rotateRefreshTokens: true });
  proxy = await startInProcessProxy({
    dataDir: dir,
    // Refresh 3 s after the login, long before the 120 s token expires.
    config: {
      refresh: { threshold: 0.025 },
      mcpServers: { gh: { url: as.mcpUrl, protocol: 'http' } },
    },
  });
  await waitForView(proxy.url, 'gh', (v) => v.state === 'loginRequired');
  await loginViaDaemon(proxy.url, 'gh');
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await as?.stop();
  if (dir) await removeTmpDir(dir);
});

describe('login after a dead grant', () => {
  it('starts a flow (not "already authenticated") while the parked server still holds a valid access token', async () => {
    as.setFail({ mode: 'invalid_grant', grant: 'refresh_token' });
    const parked = await waitForView(proxy.url, 'gh', (v) => v.state === 'loginRequired');
    expect(Date.parse(parked.token_expires_at!)).toBeGreaterThan(Date.now() + 60_000);
    as.setFail({ mode: 'none' });

    const res = await fetch(`${proxy.url}/api/v1/servers/gh/login`, { method: 'POST' });
    const answer = (await res.json()) as { status?: string; auth_url?: string };
    expect(answer.status).toBe('pending');
    expect(answer.auth_url).toMatch(/\/authorize\?/);
    expect((await followAuthUrl(answer.auth_url!)).callbackStatus).toBe(200);
    await waitForView(proxy.url, 'gh', isAuthenticated);
  });
});
