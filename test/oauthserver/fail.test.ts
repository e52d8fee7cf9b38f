/** @module Error injection: every token fail mode switched at run time over the admin API, then healed. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  InvalidGrantError,
  ServerError,
  TemporarilyUnavailableError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { startOAuthTestServer } from './index.js';
import type { FailConfig, OAuthTestServer } from './index.js';
import { bearerProbe, get, postJson, refreshByHand } from './requests.js';
import { loginWithSdk } from './sdk-client.js';
import type { SdkLogin } from './sdk-client.js';

describe('OAuth test server error injection', () => {
  let server: OAuthTestServer;
  let login: SdkLogin;
  const setFail = async (config: FailConfig | Record<string, unknown>) => {
    const answer = await postJson(`${server.url}/__admin/fail`, config);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const refresh = () =>
    refreshByHand(`${server.url}/token`, login.client.client_id, login.tokens.refresh_token!);
  const sdkRefresh = () =>
    refreshAuthorization(server.issuer, {
      metadata: login.metadata,
      clientInformation: login.client,
      refreshToken: login.tokens.refresh_token!,
      resource: login.resource,
    });

  beforeAll(async () => {
    server = await startOAuthTestServer();
    login = await loginWithSdk(server.mcpUrl);
  });
  afterEach(async () => {
    await setFail({ mode: 'none' });
    expect((await refresh()).status).toBe(200); // healed
  });
  afterAll(() => server.stop());

  test('invalid_grant answers 400 invalid_grant without touching the grant', async () => {
    await setFail({ mode: 'invalid_grant' });

    const answer = await refresh();

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_grant' });
    await expect(sdkRefresh()).rejects.toBeInstanceOf(InvalidGrantError);
  });

  test('server_error answers 500 server_error', async () => {
    await setFail({ mode: 'server_error' });

    const answer = await refresh();

    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ error: 'server_error' });
    await expect(sdkRefresh()).rejects.toBeInstanceOf(ServerError);
  });

  test.each<[Record<string, unknown>, string]>([
    [{}, '1'],
    [{ retry_after: 42 }, '42'],
    [{ retry_after: 'Wed, 21 Oct 2037 07:28:00 GMT' }, 'Wed, 21 Oct 2037 07:28:00 GMT'],
  ])('unavailable %o answers 503 with Retry-After %s', async (extra, retryAfter) => {
    await setFail({ mode: 'unavailable', ...extra });

    const answer = await refresh();

    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe(retryAfter);
    await expect(sdkRefresh()).rejects.toBeInstanceOf(TemporarilyUnavailableError);
  });

  test('malformed answers 200 with a body that is not JSON', async () => {
    await setFail({ mode: 'malformed' });

    const answer = await refresh();

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(typeof answer.body).toBe('string');
    await expect(sdkRefresh()).rejects.toBeInstanceOf(SyntaxError);
  });

  test('html answers 500 with an HTML page', async () => {
    await setFail({ mode: 'html' });

    const answer = await refresh();

    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.body).toMatch(/<html>/);
  });

  test('no_access_token answers 200 JSON without access_token', async () => {
    await setFail({ mode: 'no_access_token' });

    const answer = await refresh();

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer' });
    expect(answer.body).not.toHaveProperty('access_token');
    await expect(sdkRefresh()).rejects.toThrow(/access_token/);
  });

  test('no_expires_in issues a working token without expires_in', async () => {
    await setFail({ mode: 'no_expires_in' });

    const answer = await refresh();

    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('expires_in');
    const token = (answer.body as { access_token: string }).access_token;
    expect((await bearerProbe(server.mcpUrl, token)).status).toBe(400);
  });

  test('expired_token issues expires_in 0 and a token the MCP endpoint already refuses', async () => {
    await setFail({ mode: 'expired_token' });

    const answer = await refresh();

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ expires_in: 0 });
    const token = (answer.body as { access_token: string }).access_token;
    const probe = await bearerProbe(server.mcpUrl, token);
    expect(probe.status).toBe(401);
    expect(probe.challenge).toContain('error="invalid_token"');
  });

  test('slow delays the answer by delay_ms, then succeeds', async () => {
    await setFail({ mode: 'slow', delay_ms: 300 });

    const answer = await refresh();

    expect(answer.status).toBe(200);
    expect(server.log().at(-1)).toMatchObject({ injected: 'slow', status: 200 });
    expect(server.log().at(-1)!.duration_ms).toBeGreaterThanOrEqual(295);
  });

  test('timeout never answers; the log shows the request unanswered', async () => {
    await setFail({ mode: 'timeout' });

    const hanging = fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'rt_x' }),
      signal: AbortSignal.timeout(300),
    });

    await expect(hanging).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect.poll(() => server.log().at(-1)?.duration_ms).toBeTypeOf('number');
    expect(server.log().at(-1)).toMatchObject({ path: '/token', injected: 'timeout', status: 0 });
  });

  test('flaky fails every 3rd token request by default, every Nth when asked', async () => {
    await setFail({ mode: 'flaky' });
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await refresh()).status);
    expect(statuses).toEqual([200, 200, 500, 200, 200, 500]);

    await setFail({ mode: 'flaky', every: 2 });
    const everyOther = [];
    for (let i = 0; i < 4; i += 1) everyOther.push((await refresh()).status);
    expect(everyOther).toEqual([200, 500, 200, 500]);
  });

  test('grant limits a failure to one grant type', async () => {
    await setFail({ mode: 'server_error', grant: 'authorization_code' });

    expect((await refresh()).status).toBe(200);
    await expect(loginWithSdk(server.mcpUrl)).rejects.toBeInstanceOf(ServerError);
  });

  test('times heals by itself after that many failures; GET shows the counters', async () => {
    await setFail({ mode: 'unavailable', times: 2 });

    const statuses = [(await refresh()).status, (await refresh()).status, (await refresh()).status];

    expect(statuses).toEqual([503, 503, 200]);
    expect((await get(`${server.url}/__admin/fail`)).body).toEqual({
      mode: 'none',
      matched: 2,
      injected: 2,
    });
  });

  test('GET /__admin/fail reports the active mode with its defaults', async () => {
    await setFail({ mode: 'slow' });

    expect((await get(`${server.url}/__admin/fail`)).body).toEqual({
      mode: 'slow',
      every: 1,
      delay_ms: 5000,
      matched: 0,
      injected: 0,
    });
    await setFail({ mode: 'none' });
  });

  test.each<Record<string, unknown>>([
    { mode: 'explode' },
    { mode: 'flaky', every: 0 },
    { mode: 'unavailable', retry_after: 'soon' },
    { mode: 'register_refused', grant: 'refresh_token' },
    { mode: 'server_error', grant: 'client_credentials' },
  ])('a bad config %o is refused with 400 and changes nothing', async (config) => {
    await setFail({ mode: 'invalid_grant' });

    const answer = await postJson(`${server.url}/__admin/fail`, config);

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_request' });
    expect((await get(`${server.url}/__admin/fail`)).body).toMatchObject({ mode: 'invalid_grant' });
    expect(() => server.setFail(config as unknown as FailConfig)).toThrow();
  });
});

describe('OAuth test server stop', () => {
  test('stop() ends a hanging token request and resolves promptly', async () => {
    const server = await startOAuthTestServer({ fail: { mode: 'timeout' } });
    const hanging = fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=rt_x',
    });
    await expect.poll(() => server.log().length).toBe(1);

    const stopped = await Promise.race([
      server.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('stop hung'), 5000)),
    ]);

    expect(stopped).toBe('stopped');
    await expect(hanging).rejects.toThrow();
  });
});
