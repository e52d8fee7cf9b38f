/**
 * The interactive login against the project's OAuth test server, with the browser stand-in:
 * DCR, PKCE, state and iss checks, stray requests to the redirect URI that leave the login waiting,
 * the stable redirect URI, and the failures a user can meet.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createServer } from 'node:net';
import { startOAuthTestServer } from '../../oauthserver/index.js';
import type { OAuthTestServer } from '../../oauthserver/index.js';
import { OAuthFlowError } from '../../../services/errors.js';
import { ClientRejectedError, OAuthSetupError } from '../../../services/oauth/oauth-errors.js';
import { runLoginFlow } from '../../../services/oauth/login-flow.js';
import { pickFreePort } from '../../../services/oauth/redirect.js';
import type { TokenRecord } from '../../../machines/upstream/token-record.js';
import { followAuthUrl } from '../../helpers/browser.js';
import type { BrowserVisit } from '../../helpers/browser.js';
import { browserLogin, captureLogger, httpEntry } from './fixtures.js';

let as: OAuthTestServer;
beforeEach(async () => {
  as = await startOAuthTestServer({ port: 0, accessTokenTtlS: 60 });
});
afterEach(async () => {
  await as.stop();
});

/** Runs a login with test defaults (overridden by `options`) and answers what it threw. */
function failedLogin(options: Partial<Parameters<typeof runLoginFlow>[0]> = {}): Promise<unknown> {
  return runLoginFlow({
    entry: httpEntry(as.mcpUrl),
    serverKey: 'k',
    record: null,
    correlationId: 'c',
    logger: captureLogger().logger,
    onAuthUrl: () => undefined,
    ...options,
  }).catch((e: unknown) => e);
}

const registrations = () => as.log().filter((e) => e.path === '/register').length;

/** Starts a login whose "browser" sends `query` (on top of the real state) to the redirect URI. */
async function forgedCallback(query: (authUrl: URL) => Record<string, string>) {
  let page: Promise<Response> | undefined;
  const failure = await failedLogin({
    onAuthUrl: (url) => {
      const authUrl = new URL(url);
      const target = new URL(authUrl.searchParams.get('redirect_uri')!);
      for (const [k, v] of Object.entries(query(authUrl))) target.searchParams.set(k, v);
      page = fetch(target);
    },
  });
  return { failure, page: await page! };
}

describe('runLoginFlow', () => {
  it('logs in with DCR, PKCE S256, state and resource; the token works for an MCP call', async () => {
    const run = await browserLogin({
      entry: httpEntry(as.mcpUrl, { extra_params: { audience: 'x' } }),
      record: null,
    });

    const q = run.authUrl.searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('resource')).toBe(as.mcpUrl);
    expect(q.get('scope')).toBe('mcp');
    expect(q.get('audience')).toBe('x');
    expect(q.get('redirect_uri')).toBe(
      `http://127.0.0.1:${run.record.callback_port}/oauth/callback`,
    );
    expect(run.visit.callbackStatus).toBe(200);
    expect(run.visit.callbackBody).toContain('Login complete');
    expect(run.record).toMatchObject({ issuer: as.issuer, scopes: ['mcp'] });
    expect(run.record.tokens?.refresh_token).toBeTruthy();
    expect(run.record.expires_at! - run.record.issued_at!).toBe(60_000);
    expect(run.registered).toHaveLength(1);
    expect(run.registered[0].registration?.client_id).toBe(run.record.registration?.client_id);
    expect(run.registered[0].tokens).toBeNull();

    const client = new Client({ name: 'check', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(as.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${run.record.tokens!.access_token}` } },
      }),
    );
    const result = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    await client.close();
    expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
  });

  it('closes the callback listener when the flow ends', async () => {
    const run = await browserLogin({ entry: httpEntry(as.mcpUrl), record: null });
    const refused = await fetch(
      `http://127.0.0.1:${run.record.callback_port}/oauth/callback`,
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
  });

  it('reuses the persisted registration and callback port on the second login', async () => {
    const first = await browserLogin({ entry: httpEntry(as.mcpUrl), record: null });
    const second = await browserLogin({ entry: httpEntry(as.mcpUrl), record: first.record });

    expect(registrations()).toBe(1);
    expect(second.registered).toHaveLength(0);
    expect(second.authUrl.searchParams.get('redirect_uri')).toBe(
      first.authUrl.searchParams.get('redirect_uri'),
    );
    expect(second.record.registration?.client_id).toBe(first.record.registration?.client_id);
    expect(second.record.tokens?.access_token).not.toBe(first.record.tokens?.access_token);
  });

  it('a registration the token endpoint rejected is not reused: the login registers anew on the same redirect URI', async () => {
    const first = await browserLogin({ entry: httpEntry(as.mcpUrl), record: null });
    const stale = first.record.registration!.client_id;
    as.forgetClients();

    const second = await browserLogin({
      entry: httpEntry(as.mcpUrl),
      record: first.record,
      rejectedClientId: stale,
    });

    expect(registrations()).toBe(2);
    expect(second.authUrl.searchParams.get('client_id')).not.toBe(stale);
    expect(second.authUrl.searchParams.get('redirect_uri')).toBe(
      first.authUrl.searchParams.get('redirect_uri'),
    );
    expect(second.visit.callbackStatus).toBe(200);
    expect(second.record.registration?.client_id).toBe(
      second.authUrl.searchParams.get('client_id'),
    );
    expect(second.record.callback_port).toBe(first.record.callback_port);
    // The new registration is persisted at once, with the old tokens still in place.
    expect(second.registered).toHaveLength(1);
    expect(second.registered[0].registration?.client_id).not.toBe(stale);
    expect(second.registered[0].tokens?.refresh_token).toBe(first.record.tokens?.refresh_token);
  });

  it('invalid_client at the code exchange fails the login as a client rejection naming the server', async () => {
    const failure = await failedLogin({
      onAuthUrl: (url) => {
        // The AS forgets the client between the authorize redirect and the code exchange.
        void fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) })
          .then((r) => {
            as.forgetClients();
            return fetch(r.headers.get('location')!, { signal: AbortSignal.timeout(10_000) });
          })
          // The login's failure is what the test checks; the browser's own outcome does not matter.
          .catch(() => undefined);
      },
    });

    expect(failure).toBeInstanceOf(ClientRejectedError);
    expect(failure).toMatchObject({ result: 'failed_invalid_grant', clientRejected: true });
    expect((failure as Error).message).toMatch(
      /^demo: Token endpoint rejected the grant: invalid_client/,
    );
  });

  it('oauth.redirect_uri pins the redirect URI and the listening port', async () => {
    const port = await pickFreePort();
    const pinned = `http://127.0.0.1:${port}/custom/cb`;
    const run = await browserLogin({
      entry: httpEntry(as.mcpUrl, { redirect_uri: pinned }),
      record: null,
    });

    expect(run.authUrl.searchParams.get('redirect_uri')).toBe(pinned);
    expect(run.visit.callbackStatus).toBe(200);
    expect(run.record.registration?.redirect_uris).toEqual([pinned]);
  });

  it('a configured client_id is used without registration', async () => {
    const port = await pickFreePort();
    const redirect = `http://127.0.0.1:${port}/oauth/callback`;
    const client = as.registerClient({
      redirect_uris: [redirect],
      token_endpoint_auth_method: 'none',
    });
    const entry = httpEntry(as.mcpUrl, {
      client_id: String(client.client_id),
      redirect_uri: redirect,
    });
    const run = await browserLogin({ entry, record: null });

    expect(registrations()).toBe(0);
    expect(run.authUrl.searchParams.get('client_id')).toBe(client.client_id);
    expect(run.record.tokens?.access_token).toBeTruthy();
  });

  it('step-up scopes are requested on top of the waterfall and granted', async () => {
    const run = await browserLogin({
      entry: httpEntry(as.mcpUrl),
      record: null,
      extraScopes: ['admin'],
    });
    expect(run.authUrl.searchParams.get('scope')).toBe('mcp admin');
    expect(run.record.scopes).toEqual(['mcp', 'admin']);
  });

  it.each([
    ['a wrong state', { code: 'x', state: 'wrong' }],
    ['no state', { code: 'x' }],
    ['neither code nor error', {}],
  ])(
    'rejects a callback with %s with a 400 page and keeps waiting: the real redirect still completes the login',
    async (_what, query: Record<string, string>) => {
      const { logger, lines } = captureLogger();
      const strays: Response[] = [];
      let browser: Promise<BrowserVisit> | undefined;
      const outcome = await runLoginFlow({
        entry: httpEntry(as.mcpUrl),
        serverKey: 'k',
        record: null,
        correlationId: 'corr-stray',
        logger,
        onAuthUrl: (url) => {
          const callback = new URL(new URL(url).searchParams.get('redirect_uri')!);
          const stray = new URL(callback);
          for (const [k, v] of Object.entries({ ...query, iss: as.issuer })) {
            stray.searchParams.set(k, v);
          }
          // A stale tab (twice), then the user approves in the real tab.
          browser = (async () => {
            strays.push(await fetch(stray), await fetch(stray));
            return followAuthUrl(url);
          })();
        },
      }).catch((e: unknown) => e);
      const visit = await browser!.catch((e: unknown) => e);

      expect(outcome).not.toBeInstanceOf(Error);
      expect(strays.map((r) => r.status)).toEqual([400, 400]);
      const page = await strays[0].text();
      expect(page).toContain('Request ignored');
      expect(page).toContain('The login in progress still waits');
      expect(page).not.toContain('start the login again');
      expect(visit).toMatchObject({ callbackStatus: 200 });
      expect((visit as BrowserVisit).callbackBody).toContain('Login complete');
      expect((outcome as TokenRecord).tokens?.access_token).toBeTruthy();
      // Only the real code was redeemed.
      const redeemed = as.log().filter((e) => e.grant_type === 'authorization_code');
      expect(redeemed).toHaveLength(1);
      const ignored = lines
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'OAuth callback ignored');
      expect(ignored).toHaveLength(2);
      expect(ignored[0]).toMatchObject({ level: 40, server: 'demo', correlation_id: 'corr-stray' });
    },
  );

  it('a callback with the right state and an error ends the login with that error, on a page that says so once', async () => {
    as.setFail({ mode: 'access_denied' });
    let browser: Promise<BrowserVisit> | undefined;
    const failure = await failedLogin({
      onAuthUrl: (url) => {
        browser = followAuthUrl(url);
      },
    });
    const visit = await browser!;

    expect(failure).toBeInstanceOf(OAuthSetupError);
    expect((failure as Error).message).toBe(
      'demo: the authorization server answered access_denied (the user denied the request (fail mode access_denied)).',
    );
    expect(visit.callbackStatus).toBe(400);
    expect(visit.callbackBody).toContain('Login failed');
    expect(visit.callbackBody.split('start the login again')).toHaveLength(2);
    expect(as.log().some((e) => e.path === '/token')).toBe(false);
  });

  it('rejects a callback whose iss is another issuer (RFC 9207)', async () => {
    const { failure } = await forgedCallback((url) => ({
      state: url.searchParams.get('state')!,
      code: 'c',
      iss: 'http://evil.example',
    }));
    expect(failure).toBeInstanceOf(OAuthSetupError);
    expect((failure as Error).message).toContain('came from issuer http://evil.example');
    expect(as.log().some((e) => e.path === '/token')).toBe(false);
  });

  it('rejects a callback without iss when the AS announces it', async () => {
    const { failure } = await forgedCallback((url) => ({
      state: url.searchParams.get('state')!,
      code: 'c',
    }));
    expect((failure as Error).message).toContain('came from issuer (none)');
  });

  it('a refused dynamic registration is an OAuth error naming the server', async () => {
    as.setFail({ mode: 'register_refused' });
    const failure = await failedLogin();
    expect(failure).toBeInstanceOf(OAuthSetupError);
    expect((failure as OAuthSetupError).message).toMatch(
      /^demo: the authorization server refused dynamic client registration \(.+\); set oauth\.client_id/,
    );
  });

  it('an authorization server without metadata is an OAuth error naming the server', async () => {
    as.setFail({ mode: 'no_metadata' });
    const failure = await failedLogin();
    expect(failure).toBeInstanceOf(OAuthSetupError);
    expect((failure as Error).message).toContain('demo: the authorization server');
    expect((failure as Error).message).toContain('publishes no OAuth metadata');
  });

  it('a token response without access_token fails the login clearly', async () => {
    as.setFail({ mode: 'no_access_token', grant: 'authorization_code' });
    const failure = await browserLogin({ entry: httpEntry(as.mcpUrl), record: null }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(OAuthSetupError);
    expect((failure as Error).message).toBe(
      'demo: Token endpoint answered HTTP 200 with an unexpected response (missing or invalid: access_token).',
    );
  });

  it('a callback port in use is a clear error naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const failure = await failedLogin({
        entry: httpEntry(as.mcpUrl, { redirect_uri: `http://127.0.0.1:${port}/oauth/callback` }),
      });
      expect(failure).toBeInstanceOf(OAuthFlowError);
      expect((failure as Error).message).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      blocker.close();
    }
  });

  it('aborting the flow rejects it and frees the callback port', async () => {
    const controller = new AbortController();
    let redirect: URL | undefined;
    const flow = runLoginFlow({
      entry: httpEntry(as.mcpUrl),
      serverKey: 'k',
      record: null,
      correlationId: 'c',
      logger: captureLogger().logger,
      signal: controller.signal,
      onAuthUrl: (url) => {
        redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
        controller.abort();
      },
    });
    const failure = await flow.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OAuthFlowError);
    expect(failure).not.toBeInstanceOf(OAuthSetupError);
    expect((failure as Error).message).toBe('demo: the login was cancelled.');
    await expect(fetch(redirect!)).rejects.toBeInstanceOf(TypeError);
  });
});
