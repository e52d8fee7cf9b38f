/**
 * Issue 3, logins through the daemon's REST API: twenty concurrent login requests join one flow
 * (one authorization request, one correlation_id, one auth_url), and a login sent before the
 * first handshake told whether the server uses OAuth waits for it instead of being refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { followAuthUrl } from '../helpers/browser.js';
import { authorizeCount, tokenRequests } from './support/as-log.js';
import { spawnAuthServer } from './support/as-process.js';
import { post, serverView, waitForState } from './support/rest.js';
import { e2eWorld, oauthConfig } from './support/world.js';

describe('logins through the daemon', () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('joins 20 concurrent login requests into one flow: one authorization request, the same correlation_id and auth_url for all', async () => {
    const as = await world.authServer();
    const proxy = await world.proxy({
      config: oauthConfig([['oauth', as]]),
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    await waitForState(proxy.url, 'oauth', 'loginRequired');

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(proxy.url, '/api/v1/servers/oauth/login')),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const flows = new Set(answers.map((a) => `${a.json.correlation_id} ${a.json.auth_url}`));
    expect(flows.size).toBe(1);
    const { correlation_id: correlationId, auth_url: authUrl } = answers[0]!.json;
    expect(correlationId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect((await serverView(proxy.url, 'oauth')).oauth?.correlation_id).toBe(correlationId);

    const visit = await followAuthUrl(authUrl);
    expect(visit.callbackStatus).toBe(200);
    await waitForState(proxy.url, 'oauth', 'authenticated');
    expect(authorizeCount(as)).toBe(1);
    expect(tokenRequests(as, 'authorization_code')).toHaveLength(1);
    // Every log line of that flow carries its correlation_id.
    const flowLines = proxy.logLines().filter((l) => l.correlation_id === correlationId);
    expect(flowLines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['OAuth login started', 'OAuth login completed']),
    );

    // Authenticated now: a login without force starts nothing.
    const again = await post(proxy.url, '/api/v1/servers/oauth/login');
    expect(again).toEqual({ status: 200, json: { status: 'authenticated' } });
    expect(authorizeCount(as)).toBe(1);
  });

  it('answers a login sent before the first handshake finished with a flow, not "does not use OAuth"', async () => {
    const as = await spawnAuthServer();
    world.defer(() => as.stop());
    // Frozen AS: the proxy's first handshake cannot learn that the server uses OAuth.
    as.pause();
    const proxy = await world.proxy({
      config: { mcpServers: [{ name: 'late', url: as.mcpUrl }] },
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    expect((await serverView(proxy.url, 'late')).state).toBe('connecting.handshake');
    const login = post(proxy.url, '/api/v1/servers/late/login');
    await new Promise((r) => setTimeout(r, 300));
    as.resume();

    const answer = await login;
    expect(answer.status).toBe(200);
    expect(answer.json.auth_url).toContain(`${as.url}/authorize?`);
    expect((await followAuthUrl(answer.json.auth_url)).callbackStatus).toBe(200);
    await waitForState(proxy.url, 'late', 'authenticated');
  });
});
