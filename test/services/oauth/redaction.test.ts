/**
 * Debug logs of a full login and a refresh carry the OAuth HTTP exchanges (method, URL, status,
 * header names, body shape, timing, server, correlation id) and none of the secret values.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { createRefreshActor } from '../../../services/oauth/refresh-actor.js';
import { startOAuthTestServer } from '../../oauthserver/index.js';
import type { OAuthTestServer } from '../../oauthserver/index.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { browserLogin, captureLogger, httpEntry } from './fixtures.js';

let as: OAuthTestServer;
beforeEach(async () => {
  as = await startOAuthTestServer({ port: 0, rotateRefreshTokens: true });
});
afterEach(async () => {
  await as.stop();
});

it('logs every OAuth HTTP exchange at debug without a token, code, state or verifier', async () => {
  const { logger, lines } = captureLogger();
  const sent: string[] = [];
  const fetchImpl: FetchLike = (url, init) => {
    if (typeof init?.body === 'string' || init?.body instanceof URLSearchParams) {
      sent.push(String(init.body));
    }
    return fetch(url, init);
  };
  const entry = httpEntry(as.mcpUrl, { client_secret: null });
  const login = await browserLogin({
    entry,
    record: null,
    logger,
    fetchImpl,
    correlationId: 'corr-1',
  });
  const actor = createActor(createRefreshActor({ logger, fetchImpl }), {
    input: { entry, serverKey: 'k', record: login.record, correlationId: 'corr-2', attempt: 0 },
  }).start();
  const refreshed = await toPromise(actor);

  const callback = new URL(login.visit.callbackUrl).searchParams;
  const tokenRequests = sent.map((b) => new URLSearchParams(b)).filter((p) => p.has('grant_type'));
  const secrets = [
    login.record.tokens!.access_token,
    login.record.tokens!.refresh_token!,
    refreshed.record.tokens!.access_token,
    refreshed.record.tokens!.refresh_token!,
    callback.get('code')!,
    callback.get('state')!,
    ...tokenRequests.flatMap((p) => [p.get('code_verifier'), p.get('refresh_token')]),
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
  expect(secrets.length).toBeGreaterThanOrEqual(7);

  const text = lines.join('\n');
  for (const secret of secrets) expect(text).not.toContain(secret);

  const exchanges = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'OAuth HTTP exchange');
  const token = exchanges.filter((l) => l.http.label === 'Token endpoint');
  expect(token).toHaveLength(2);
  expect(token[0]).toMatchObject({
    level: 20,
    server: 'demo',
    correlation_id: 'corr-1',
    http: {
      method: 'POST',
      url: `${as.url}/token`,
      status: 200,
      request_body: expect.arrayContaining(['code', 'code_verifier', 'grant_type', 'resource']),
      response_body: expect.arrayContaining(['access_token', 'refresh_token', 'expires_in']),
    },
    duration_ms: expect.any(Number),
  });
  expect(token[1]).toMatchObject({ correlation_id: 'corr-2', http: { status: 200 } });
  expect(exchanges.map((l) => l.http.label)).toEqual(
    expect.arrayContaining([
      'The MCP server',
      'Protected-resource metadata',
      'Authorization-server metadata',
      'Registration endpoint',
    ]),
  );
});
