/**
 * Issue 3, redaction end to end: a full login (CLI through the daemon, and over REST) and
 * several rotating refreshes at `--log-level debug`, a tool call, the REST answers, the SSE
 * events and the inspection stream. No access or refresh token, authorization code, PKCE
 * verifier or client secret that was issued or used appears anywhere in what the processes
 * printed or served.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/proxy-process.js';
import { waitFor } from '../helpers/proxy-process.js';
import { refreshRequests } from './support/as-log.js';
import { browserEnv, browserLogIn, browserVisits } from './support/browser-env.js';
import { subscribeEvents } from './support/events.js';
import { freePort } from './support/free-port.js';
import { loginThroughDaemon } from './support/login.js';
import { callTool, connectMcp } from './support/mcp-client.js';
import { getJson, post, waitForState } from './support/rest.js';
import { authUrlSecrets, issuedSecretsIn, knownValuesIn, verifiersIn } from './support/secrets.js';
import { readStored } from './support/store.js';
import { e2eWorld } from './support/world.js';

/** Reads a raw SSE stream as text until aborted at cleanup. */
async function captureText(url: string, world: ReturnType<typeof e2eWorld>) {
  const controller = new AbortController();
  world.defer(() => controller.abort());
  const res = await fetch(url, { signal: controller.signal });
  const captured = { text: '' };
  void (async () => {
    try {
      for await (const chunk of res.body!.pipeThrough(new TextDecoderStream()))
        captured.text += chunk;
    } catch {
      // aborted at cleanup
    }
  })();
  return captured;
}

describe('secrets never leave the proxy', { timeout: 150_000 }, () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('prints and serves no token, code, verifier or client secret during logins and refreshes at debug level', async () => {
    const as = await world.authServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
    // A confidential, pre-registered client with a pinned redirect URI …
    const callbackPort = await freePort();
    const redirectUri = `http://127.0.0.1:${callbackPort}/oauth/callback`;
    const client = as.registerClient({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
    }) as { client_id: string; client_secret: string };
    const dataDir = await world.dir();
    const config = {
      refresh: { min_interval_s: 1 },
      mcpServers: [
        {
          name: 'conf',
          url: as.mcpUrl,
          oauth: {
            client_id: client.client_id,
            client_secret: client.client_secret,
            redirect_uri: redirectUri,
          },
        },
        // … and a public client from dynamic registration.
        { name: 'dcr', url: as.mcpUrl, oauth: {} },
      ],
    };
    const proxy = await world.proxy({ config, dataDir, logLevel: 'debug' });
    const events = await subscribeEvents(world, proxy.url);
    const inspect = await captureText(`${proxy.url}/api/v1/inspect`, world);
    const served: string[] = [];
    const browserLog = browserLogIn(dataDir);

    const cli = await runCli(['auth', 'login', '--server', 'conf', '--url', proxy.url], {
      env: browserEnv(browserLog),
    });
    expect(cli, JSON.stringify(cli)).toMatchObject({ code: 0 });
    const rest = await loginThroughDaemon(proxy.url, 'dcr');
    await waitForState(proxy.url, 'conf', 'authenticated');

    // Several rotating refreshes of both, and a tool call each.
    await waitFor(() => refreshRequests(as).length >= 4, {
      timeoutMs: 30_000,
      what: '4 refreshes',
    });
    const mcp = await connectMcp(proxy.url);
    for (const tool of ['conf__echo', 'dcr__echo']) {
      expect((await callTool(mcp, tool, { message: 'hi' })).text).toBe('hi');
    }
    await mcp.close();
    served.push(JSON.stringify(await getJson(proxy.url, '/api/v1/servers')));
    served.push(
      JSON.stringify((await post(proxy.url, '/api/v1/servers/dcr/login?force=true')).json),
    );
    const status = await runCli(['auth', 'status', '-o', 'json', '--url', proxy.url]);
    served.push(status.stdout, status.stderr);
    const logout = await runCli(['auth', 'logout', '--server', 'dcr', '--url', proxy.url]);
    served.push(logout.stdout, logout.stderr);
    served.push(JSON.stringify(events.messages), inspect.text);
    expect(await proxy.stop('SIGTERM')).toBe(0);

    // The secrets of this run, as far as the test can know them.
    const visits = await browserVisits(browserLog);
    const authUrls = [visits[0]!.auth_url, rest.authUrl];
    const callbacks = [visits[0]!.callback_url!, rest.visit.callbackUrl].map((u) => new URL(u));
    const codes = callbacks.map((u) => u.searchParams.get('code')!);
    const stored = await readStored(dataDir, 'conf', as.mcpUrl);
    const tokens = stored.status === 'found' ? stored.record.tokens : null;
    expect(tokens?.refresh_token).toMatch(/^rt_/);
    const known = [client.client_secret, tokens!.access_token, tokens!.refresh_token!, ...codes];
    const challenges = authUrls.map((u) => authUrlSecrets(u).challenge);

    // The shape scan recognises this run's real secrets (so an empty result means something).
    expect(issuedSecretsIn(known.join(' ')).sort()).toEqual([...known].sort());

    const everything = [proxy.output(), cli.stdout, cli.stderr, ...served].join('\n');
    expect(proxy.logLines().some((l) => l.level === 20 && l.msg === 'OAuth HTTP exchange')).toBe(
      true,
    );
    expect(issuedSecretsIn(everything)).toEqual([]);
    expect(knownValuesIn(everything, known)).toEqual([]);
    expect(verifiersIn(everything, challenges)).toEqual([]);
    // The daemon's own output does not even carry the `state` of a flow (the CLI prints the
    // authorization URL on purpose: the user needs it).
    const states = authUrls.map((u) => authUrlSecrets(u).state);
    expect(knownValuesIn(proxy.output() + served.join('\n'), states)).toEqual([]);
  });
});
