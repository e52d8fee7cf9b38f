/**
 * Issue 3, logins through the daemon and the standalone CLI, good and bad (tests run side by
 * side):
 * - twenty concurrent login requests join one flow (one authorization request, one
 *   correlation_id, one auth_url), and a login sent before the first handshake told whether the
 *   server uses OAuth waits for it instead of being refused;
 * - bad input from the authorization side — no metadata, a refused registration, a callback with
 *   a wrong state, a token response without `access_token` (at login and at refresh) — gives a
 *   clear error naming the server (REST answer and health detail, CLI stderr), the state the
 *   SPEC prescribes, and leaves the store uncorrupted.
 */
import { describe, expect, it } from 'vitest';
import type { OAuthTestServer } from '../oauthserver/index.js';
import { followAuthUrl } from '../helpers/browser.js';
import { runCli, waitFor, writeConfig } from '../helpers/proxy-process.js';
import { authorizeCount, refreshRequests, tokenRequests } from './support/as-log.js';
import { spawnAuthServer } from './support/as-process.js';
import { loginThroughDaemon } from './support/login.js';
import { post, serverView, waitForState, waitForView } from './support/rest.js';
import { readStored } from './support/store.js';
import { oauthConfig, testWorld } from './support/world.js';

describe.concurrent('logins through the daemon and the CLI', { timeout: 150_000 }, () => {
  it('joins 20 concurrent login requests into one flow: one authorization request, the same correlation_id and auth_url for all', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
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

  it('answers a login sent before the first handshake finished with a flow, not "does not use OAuth"', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
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

  it('reports each problem naming the server, parks or retries as the SPEC says, and stores nothing broken', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as: Record<string, OAuthTestServer> = {};
    for (const name of ['nometa', 'noreg', 'state', 'noat', 'noatrefresh']) {
      as[name] = await world.authServer({ accessTokenTtlS: 30, rotateRefreshTokens: true });
    }
    as.nometa!.setFail({ mode: 'no_metadata' });
    as.noreg!.setFail({ mode: 'register_refused' });
    as.noat!.setFail({ mode: 'no_access_token', grant: 'authorization_code' });
    const dataDir = await world.dir();
    const config = {
      refresh: { min_interval_s: 1, threshold: 0.1 },
      mcpServers: Object.entries(as).map(([name, s]) => ({ name, url: s.mcpUrl })),
    };
    const proxy = await world.proxy({ config, dataDir, logLevel: 'info' });

    // No metadata: the login cannot start; 502 naming the server, health says why.
    const nometa = await post(proxy.url, '/api/v1/servers/nometa/login');
    expect(nometa.status).toBe(502);
    expect(nometa.json.error.code).toBe('login_failed');
    expect(nometa.json.error.message).toMatch(/^nometa: .*no OAuth metadata/);
    expect(await serverView(proxy.url, 'nometa')).toMatchObject({
      state: 'loginRequired',
      oauth_status: 'error',
      health: {
        level: 'unhealthy',
        action: 'login',
        detail: expect.stringMatching(/nometa: .*no OAuth metadata/),
      },
    });

    // Registration refused: the same, with the AS's reason.
    const noreg = await post(proxy.url, '/api/v1/servers/noreg/login');
    expect(noreg.status).toBe(502);
    expect(noreg.json.error.message).toMatch(/^noreg: .*regist/i);
    expect((await serverView(proxy.url, 'noreg')).health.detail).toMatch(
      /noreg: .*invalid_client_metadata/,
    );

    // The CLI says the same on stderr and exits 1.
    const cli = await runCli(['auth', 'login', '--server', 'nometa', '--url', proxy.url]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^mcpproxy: nometa: .*no OAuth metadata/m);
    expect(cli.stderr).not.toMatch(/\n\s+at /);

    // A callback with a wrong state is ignored (a stale tab, a forged request): the flow keeps
    // waiting, and the browser's real redirect then completes it.
    const started = await post(proxy.url, '/api/v1/servers/state/login');
    const authorize = await fetch(started.json.auth_url, { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state');
    const page = await fetch(forged);
    expect(page.status).toBe(400);
    expect(await page.text()).toMatch(/Request ignored/);
    expect((await serverView(proxy.url, 'state')).state).toBe('loggingIn');
    const real = await fetch(callback);
    expect(real.status).toBe(200);
    await waitForView(proxy.url, 'state', (view) => view.state.startsWith('authenticated'));

    // A token response without access_token at login: the callback page and the health say so.
    const noat = await post(proxy.url, '/api/v1/servers/noat/login');
    const noatPage = await fetch(noat.json.auth_url);
    expect(noatPage.status).toBe(400);
    const noatView = await waitForState(proxy.url, 'noat', 'loginRequired');
    expect(noatView.health.detail).toMatch(/^Login failed: noat: .*access_token/);

    // Without access_token at refresh: failed_other → degraded with backoff, then it recovers.
    await loginThroughDaemon(proxy.url, 'noatrefresh');
    as.noatrefresh!.setFail({ mode: 'no_access_token', grant: 'refresh_token', times: 1 });
    const degraded = await waitForState(proxy.url, 'noatrefresh', 'degraded');
    expect(degraded.health).toMatchObject({ level: 'degraded', summary: 'Token refresh pending' });
    expect(degraded.health.detail).toMatch(
      /^Refresh retry 1 in \d+s: Token endpoint .*access_token/,
    );
    await waitFor(
      () => refreshRequests(as.noatrefresh!).some((e) => e.status === 200 && !e.injected),
      {
        timeoutMs: 30_000,
      },
    );
    await waitForView(
      proxy.url,
      'noatrefresh',
      (v) => v.health.level === 'healthy' && v.state.startsWith('authenticated'),
    );

    // Nothing corrupted: every record reads back; the failed logins stored no tokens.
    expect(await proxy.stop('SIGTERM')).toBe(0);
    for (const name of Object.keys(as)) {
      const stored = await readStored(dataDir, name, as[name]!.mcpUrl);
      expect(stored.status, name).not.toBe('corrupt');
      const hasTokens = stored.status === 'found' && stored.record.tokens !== null;
      expect(hasTokens, name).toBe(name === 'state' || name === 'noatrefresh');
    }
    const status = await runCli([
      'auth',
      'status',
      '-o',
      'json',
      '--data-dir',
      dataDir,
      '--config',
      await writeConfig(dataDir, config),
    ]);
    expect(status.code).toBe(0);
    expect(
      JSON.parse(status.stdout).map((r: { name: string; oauth_status: string }) => [
        r.name,
        r.oauth_status,
      ]),
    ).toEqual([
      // Offline, a server without an `oauth` block and without a stored record is not known
      // to use OAuth.
      ['nometa', 'none'],
      ['noreg', 'none'],
      ['state', 'authenticated'],
      ['noat', 'login_required'],
      ['noatrefresh', 'authenticated'],
    ]);
  });

  it('a standalone CLI login against an AS without metadata exits 1 with a sentence naming the server', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ fail: { mode: 'no_metadata' } });
    const dataDir = await world.dir();
    const configPath = await writeConfig(dataDir, {
      mcpServers: [{ name: 'bare', url: as.mcpUrl }],
    });
    const cli = await runCli([
      'auth',
      'login',
      '--server',
      'bare',
      '--data-dir',
      dataDir,
      '--config',
      configPath,
    ]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^mcpproxy: .*bare.*no OAuth metadata/m);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    const stored = await readStored(dataDir, 'bare', as.mcpUrl);
    expect(
      stored.status === 'missing' || (stored.status === 'found' && stored.record.tokens === null),
    ).toBe(true);
  });
});
