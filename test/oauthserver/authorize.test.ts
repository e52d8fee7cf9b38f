/** @module The authorization endpoint and the authorization_code grant: PKCE S256, redirect URI, resource, iss, single-use codes. */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startOAuthTestServer } from './index.js';
import type { OAuthTestServer } from './index.js';
import { bearerProbe, get, postForm } from './requests.js';
import type { RawAnswer } from './requests.js';
import { loginWithSdk } from './sdk-client.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('OAuth test server authorization endpoint', () => {
  let server: OAuthTestServer;
  let clientId: string;
  beforeAll(async () => {
    server = await startOAuthTestServer();
    clientId = server.registerClient({
      redirect_uris: [REDIRECT, 'http://127.0.0.1:10/other'],
      token_endpoint_auth_method: 'none',
    }).client_id as string;
  });
  afterEach(() => server.setFail({ mode: 'none' }));
  afterAll(() => server.stop());

  function authorize(params: Record<string, string | undefined>): Promise<RawAnswer> {
    const url = new URL(`${server.url}/authorize`);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return get(url.href);
  }

  function validParams(challenge: string) {
    return {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'xyz',
      resource: server.mcpUrl,
    };
  }

  function location(answer: RawAnswer): URL {
    expect(answer.status).toBe(302);
    return new URL(answer.headers.get('location')!);
  }

  async function codeFor(challenge: string, extra: Record<string, string> = {}) {
    const target = location(await authorize({ ...validParams(challenge), ...extra }));
    return target.searchParams.get('code')!;
  }

  function exchange(code: string, verifier: string, extra: Record<string, string> = {}) {
    return postForm(`${server.url}/token`, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: clientId,
      resource: server.mcpUrl,
      ...extra,
    });
  }

  test('the full SDK flow reaches the callback with code, state and iss = issuer', async () => {
    const login = await loginWithSdk(server.mcpUrl);

    expect(login.callback.get('iss')).toBe(server.issuer);
    expect(login.callback.get('code')).toMatch(/^code_/);
    expect(login.tokens).toMatchObject({ token_type: 'Bearer', expires_in: 30, scope: 'mcp' });
    expect((await bearerProbe(server.mcpUrl, login.tokens.access_token)).status).toBe(400);
  });

  test('a valid request redirects 302 to the registered URI with code, state and iss', async () => {
    const target = location(await authorize(validParams(pkce().challenge)));

    expect(`${target.origin}${target.pathname}`).toBe(REDIRECT);
    expect(target.searchParams.get('state')).toBe('xyz');
    expect(target.searchParams.get('iss')).toBe(server.issuer);
    expect(target.searchParams.get('code')).toMatch(/^code_/);
  });

  test.each([
    [{ code_challenge_method: 'plain' }, 'invalid_request'],
    [{ code_challenge_method: undefined }, 'invalid_request'],
    [{ code_challenge: undefined }, 'invalid_request'],
    [{ code_challenge: 'short' }, 'invalid_request'],
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ resource: 'http://127.0.0.1:1/other' }, 'invalid_target'],
    [{ scope: 'mcp root' }, 'invalid_scope'],
  ])('%o is refused with error=%s at the redirect URI', async (change, error) => {
    const target = location(await authorize({ ...validParams(pkce().challenge), ...change }));

    expect(`${target.origin}${target.pathname}`).toBe(REDIRECT);
    expect(target.searchParams.get('error')).toBe(error);
    expect(target.searchParams.get('state')).toBe('xyz');
    expect(target.searchParams.get('iss')).toBe(server.issuer);
    expect(target.searchParams.has('code')).toBe(false);
  });

  test.each<[Record<string, string | undefined>, string]>([
    [{ client_id: 'client_unknown' }, 'unknown client'],
    [{ client_id: undefined }, 'no client'],
    [{ redirect_uri: 'http://127.0.0.1:9/elsewhere' }, 'unregistered redirect URI'],
  ])('%o (%s) gets a 400 page and no redirect', async (change) => {
    const answer = await authorize({ ...validParams(pkce().challenge), ...change });

    expect(answer.status).toBe(400);
    expect(answer.headers.get('location')).toBeNull();
    expect(answer.headers.get('content-type')).toMatch(/text\/html/);
  });

  test('access_denied mode answers error=access_denied until healed', async () => {
    server.setFail({ mode: 'access_denied' });
    const denied = location(await authorize(validParams(pkce().challenge)));
    expect(denied.searchParams.get('error')).toBe('access_denied');

    server.setFail({ mode: 'none' });
    const allowed = location(await authorize(validParams(pkce().challenge)));
    expect(allowed.searchParams.has('code')).toBe(true);
  });

  test('requested scopes are granted; none requested grants the default scopes', async () => {
    const a = pkce();
    const both = await exchange(await codeFor(a.challenge, { scope: 'mcp admin' }), a.verifier);
    const b = pkce();
    const none = await exchange(await codeFor(b.challenge), b.verifier);

    expect(both.body).toMatchObject({ scope: 'mcp admin' });
    expect(none.body).toMatchObject({ scope: 'mcp' });
  });

  test('the code exchange checks the PKCE verifier', async () => {
    const { challenge } = pkce();
    const answer = await exchange(await codeFor(challenge), pkce().verifier);

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_grant' });
  });

  test('the code exchange checks redirect_uri, client and resource', async () => {
    const other = server.registerClient({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    });
    const cases: [Record<string, string>, string][] = [
      [{ redirect_uri: 'http://127.0.0.1:10/other' }, 'invalid_grant'],
      [{ client_id: other.client_id as string }, 'invalid_grant'],
      [{ resource: 'http://127.0.0.1:1/other' }, 'invalid_target'],
    ];
    for (const [change, error] of cases) {
      const { verifier, challenge } = pkce();
      const answer = await exchange(await codeFor(challenge), verifier, change);
      expect(answer.body, JSON.stringify(change)).toMatchObject({ error });
    }
  });

  test('a code works once; replaying it fails and revokes the tokens it produced', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const first = await exchange(code, verifier);
    const accessToken = (first.body as { access_token: string }).access_token;
    expect(first.status).toBe(200);

    const replay = await exchange(code, verifier);

    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });
    expect((await bearerProbe(server.mcpUrl, accessToken)).status).toBe(401);
  });
});
