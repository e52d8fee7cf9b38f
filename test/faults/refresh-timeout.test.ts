/**
 * @module A token endpoint that never answers (fail mode `timeout`), with the refresh actor's
 * HTTP timeout injected as 2 s instead of 30 s (the same code path; the soak runs the real 30 s
 * against a `serve` process): failed_network naming the timeout, degraded while the token is
 * valid, the next attempt only after the backoff, recovery once healed, no "succeeded".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { loginViaDaemon, serverView, waitForView } from './support/daemon-api.js';
import { startInProcessProxy, type InProcessProxy } from './support/in-process-proxy.js';
import { linesFor, refreshRequests, spacedBy, spacing } from './support/refresh-audit.js';

let as: OAuthTestServer;
let proxy: InProcessProxy;
let dir: string;

beforeAll(async () => {
  dir = await makeTmpDir('mcpproxy-timeout-');
  as = await startOAuthTestServer({ accessTokenTtlS: 12, rotateRefreshTokens: true });
  proxy = await startInProcessProxy({
    dataDir: dir,
    httpTimeoutMs: 2000,
    config: {
      refresh: { threshold: 0.25 },
      mcpServers: { hang: { url: as.mcpUrl, protocol: 'http' } },
    },
  });
  await waitForView(proxy.url, 'hang', (v) => v.state === 'loginRequired');
  await loginViaDaemon(proxy.url, 'hang');
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await as?.stop();
  if (dir) await removeTmpDir(dir);
});

describe('token endpoint timeout', () => {
  it('hang past the timeout: failed_network, degraded, one retry after the backoff, recovers when healed', async () => {
    const before = await serverView(proxy.url, 'hang');
    as.setFail({ mode: 'timeout', grant: 'refresh_token' });
    const degraded = await waitForView(proxy.url, 'hang', (v) => v.state.startsWith('degraded'));
    expect(degraded.oauth_status).toBe('retrying');
    expect(degraded.health).toMatchObject({ level: 'degraded', summary: 'Token refresh pending' });
    expect(degraded.oauth?.last_error).toMatch(/did not answer within 2s/);
    as.setFail({ mode: 'none' });

    const recovered = await waitForView(
      proxy.url,
      'hang',
      (v) =>
        v.state === 'authenticated.refreshScheduled' &&
        v.token_expires_at !== before.token_expires_at,
      { timeoutMs: 25_000 },
    );
    expect(recovered.health.level).toBe('healthy');
    const [hung, next] = refreshRequests(as.log());
    expect(hung).toMatchObject({ status: 0, injected: 'timeout' });
    expect(next!.status).toBe(200);
    // Backoff counts from the end of the failed attempt: 2 s hang + 10 s.
    expect(Date.parse(next!.at) - Date.parse(hung!.at)).toBeGreaterThanOrEqual(11_500);
    const spaced = spacing(as.log(), proxy.logLines(), 'hang');
    expect(spacedBy(spaced, 10_000), JSON.stringify(spaced)).toBe(true);

    const lines = proxy.logLines();
    const failed = linesFor(lines, 'hang', 'OAuth token refresh failed');
    expect(failed.map((l) => l.result)).toEqual(['failed_network']);
    expect(linesFor(lines, 'hang', 'OAuth token refresh succeeded').length).toBe(
      refreshRequests(as.log()).filter((e) => e.status === 200).length,
    );
  }, 90_000);
});
