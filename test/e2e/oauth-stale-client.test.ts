/**
 * A stale dynamic client registration, end to end: `mcpproxy serve` logs in to the OAuth test
 * server (dynamic registration), then the AS forgets the client (`POST /__admin/clients/forget`,
 * as a database reset would). The next refresh answers `invalid_client`: the server parks in
 * `loginRequired` with a reason saying to log in again, keeping every token and the registration
 * in the store; the next login registers a NEW client on the SAME redirect URI (port) and the
 * server is authenticated again.
 */
import { describe, expect, it } from 'vitest';
import { postJson } from '../oauthserver/requests.js';
import { refreshRequests } from './support/as-log.js';
import { loginThroughDaemon } from './support/login.js';
import { callTool, connectMcp } from './support/mcp-client.js';
import { waitForState } from './support/rest.js';
import { readStored, storedSummary } from './support/store.js';
import { oauthConfig, testWorld } from './support/world.js';

const REASON =
  "The authorization server no longer knows mcpproxy's client registration (invalid_client) " +
  '- log in again to register anew: mcpproxy auth login --server stale';

/** The stored registration's client_id and callback port. */
async function storedClient(dataDir: string, url: string) {
  const result = await readStored(dataDir, 'stale', url);
  const record = result.status === 'found' ? result.record : null;
  return {
    clientId: record?.registration?.client_id ?? null,
    port: record?.callback_port ?? null,
  };
}

describe('a client registration the authorization server forgot', { timeout: 150_000 }, () => {
  it('invalid_client on refresh parks with the re-register reason; the next login registers a new client on the same redirect URI', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ accessTokenTtlS: 3600, rotateRefreshTokens: true });
    const dataDir = await world.dir();
    const proxy = await world.proxy({
      config: oauthConfig([['stale', as]]),
      dataDir,
      logLevel: 'info',
    });
    const first = await loginThroughDaemon(proxy.url, 'stale');
    const firstUrl = new URL(first.authUrl);
    const before = await storedClient(dataDir, as.mcpUrl);
    expect(before.clientId).toBe(firstUrl.searchParams.get('client_id'));
    expect(new URL(firstUrl.searchParams.get('redirect_uri')!).port).toBe(String(before.port));

    // The AS forgets the client; its tokens die with it, so the next call is a 401 → refresh.
    const forgot = await postJson(`${as.url}/__admin/clients/forget`, {});
    expect(forgot.body).toEqual({ forgotten: [before.clientId] });
    expect((await postJson(`${as.url}/__admin/expire`, { tokens: 'access' })).status).toBe(200);
    const tokensBefore = await storedSummary(dataDir, 'stale', as.mcpUrl);
    const client = await connectMcp(proxy.url);
    onTestFinished(() => client.close());
    const call = await callTool(client, 'stale__echo', { message: 'hi' });
    expect(call.isError).toBe(true);

    const parked = await waitForState(proxy.url, 'stale', 'loginRequired', 60_000);
    expect(parked).toMatchObject({
      oauth_status: 'login_required',
      health: { level: 'unhealthy', summary: 'Login required', action: 'login', detail: REASON },
    });
    const refreshes = refreshRequests(as);
    expect(refreshes.map((e) => [e.status, e.error])).toEqual([[401, 'invalid_client']]);
    // Nothing is lost until the new login commits: tokens and registration as they were, the
    // refusal noted beside them (one more generation: SPEC §1 persists refresh outcomes).
    expect(await storedSummary(dataDir, 'stale', as.mcpUrl)).toEqual({
      ...tokensBefore,
      generation: tokensBefore.generation! + 1,
    });
    expect(await storedClient(dataDir, as.mcpUrl)).toEqual(before);
    expect(proxy.logLines()).toContainEqual(
      expect.objectContaining({ msg: 'OAuth login required', server: 'stale', error: REASON }),
    );

    const second = await loginThroughDaemon(proxy.url, 'stale');
    const secondUrl = new URL(second.authUrl);
    const after = await storedClient(dataDir, as.mcpUrl);
    expect(second.view.state).toMatch(/^authenticated/);
    expect(secondUrl.searchParams.get('client_id')).not.toBe(before.clientId);
    expect(after.clientId).toBe(secondUrl.searchParams.get('client_id'));
    expect(secondUrl.searchParams.get('redirect_uri')).toBe(
      firstUrl.searchParams.get('redirect_uri'),
    );
    expect(after.port).toBe(before.port);
    expect(as.log().filter((e) => e.path === '/register')).toHaveLength(2);
    expect((await callTool(client, 'stale__echo', { message: 'again' })).text).toBe('again');
  });
});
