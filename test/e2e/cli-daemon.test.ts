/**
 * Issue 4, the client commands against a running daemon: `upstream list` (table and `-o json`,
 * equal to GET /api/v1/servers), `auth login` through the daemon (browser stand-in, and
 * `--no-browser`), `auth status -o json` without secrets, `auth logout --server` and `--all`,
 * and the errors of each.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { followAuthUrl } from '../helpers/browser.js';
import { BIN, childEnv, runCli } from '../helpers/proxy-process.js';
import { authorizeCount } from './support/as-log.js';
import { browserEnv, browserLogIn, browserVisits } from './support/browser-env.js';
import { everythingStdio } from './support/everything.js';
import { loginThroughDaemon } from './support/login.js';
import { getJson, post, serverView, waitForState } from './support/rest.js';
import { issuedSecretsIn } from './support/secrets.js';
import { runCliInTty } from './support/tty.js';
import { testWorld, type E2eWorld } from './support/world.js';

/** A daemon with two OAuth servers (not logged in) and one stdio server, all settled. */
async function daemonWithThreeServers(world: E2eWorld) {
  const one = await world.authServer({ accessTokenTtlS: 300 });
  const two = await world.authServer({ accessTokenTtlS: 300 });
  const dataDir = await world.dir();
  const proxy = await world.proxy({
    config: {
      mcpServers: [
        { name: 'one', url: one.mcpUrl },
        { name: 'two', url: two.mcpUrl },
        everythingStdio(),
      ],
    },
    dataDir,
    logLevel: 'info',
  });
  await waitForState(proxy.url, 'everything', 'connected');
  await waitForState(proxy.url, 'one', 'loginRequired');
  await waitForState(proxy.url, 'two', 'loginRequired');

  return { one, two, dataDir, proxy, at: ['--url', proxy.url] };
}

/** What a login through the daemon says when it stops waiting: the flow goes on there. */
const KEEPS_WAITING = (server: string) =>
  `the login flow of ${server} keeps waiting in the daemon (it gives up after 5 min, or earlier ` +
  'when the stored token needs a refresh): run the command again to join it.';

/** Runs `mcpproxy <args>`, sends SIGINT once it prints the login URL, and resolves at its exit. */
function interruptLogin(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: childEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (sent || !/Waiting for the browser login/.test(stderr)) return;
      sent = true;
      process.kill(child.pid!, 'SIGINT');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe.concurrent('client commands against a running daemon', { timeout: 150_000 }, () => {
  it('lists servers, logs in through the daemon (browser or printed URL) and reports status without secrets', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const { one, dataDir, proxy, at } = await daemonWithThreeServers(world);
    // upstream list: NAME PROTOCOL STATE HEALTH, one row per server, no colour (NO_COLOR).
    const table = await runCli(['upstream', 'list', ...at]);
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+PROTOCOL\s+STATE\s+HEALTH$/);
    expect(rows.slice(1)).toEqual([
      expect.stringMatching(
        /^everything\s+stdio\s+connected\s+healthy \(Connected \(\d+ tools\)\)$/,
      ),
      expect.stringMatching(
        /^one\s+auto\s+loginRequired\s+unhealthy \(one requires OAuth \(HTTP 401 pointing to protected-resource metadata\) - login required\)$/,
      ),
      expect.stringMatching(
        /^two\s+auto\s+loginRequired\s+unhealthy \(two requires OAuth \(HTTP 401 pointing to protected-resource metadata\) - login required\)$/,
      ),
    ]);
    expect(table.stdout).not.toContain('\u001b[');

    // auth login through the daemon: URL printed, stand-in browser opened, waits until authenticated.
    const browserLog = browserLogIn(dataDir);
    const login = await runCli(['auth', 'login', '--server', 'one', ...at], {
      env: browserEnv(browserLog),
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`Open this URL to log in:\n  ${one.url}/authorize?`);
    // The outcome on stdout, as every other success line; the URL and progress on stderr.
    expect(login.stdout).toMatch(/^one is authenticated \(token expires \d{4}-\d\d-\d\dT.*\)\.\n$/);
    expect(login.stderr).not.toContain('is authenticated');
    expect(await browserVisits(browserLog)).toHaveLength(1);
    expect(authorizeCount(one)).toBe(1);
    // Already authenticated: nothing to do without --force.
    const again = await runCli(['auth', 'login', '--server', 'one', ...at], {
      env: browserEnv(browserLog),
    });
    expect(again).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('one is already authenticated'),
    });
    expect(authorizeCount(one)).toBe(1);

    // --no-browser only prints; the flow keeps running in the daemon, and a REST login joins it.
    const printed = await runCli(
      ['auth', 'login', '--server', 'two', '--no-browser', '--timeout', '2s', ...at],
      {
        env: browserEnv(browserLog),
      },
    );
    expect(printed.code).toBe(1);
    expect(printed.stderr.trimEnd().split('\n').at(-1)).toBe(
      `mcpproxy: Login of two timed out after 2s; ${KEEPS_WAITING('two')}`,
    );
    const authUrl = /Open this URL to log in:\n {2}(\S+)/.exec(printed.stderr)![1]!;
    expect(await browserVisits(browserLog)).toHaveLength(1);
    // Ctrl-C while waiting: exit 130, saying the daemon's flow goes on (and it does).
    const interrupted = await interruptLogin([
      'auth',
      'login',
      '--server',
      'two',
      '--no-browser',
      ...at,
    ]);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr.trimEnd().split('\n').at(-1)).toBe(
      `mcpproxy: Interrupted; ${KEEPS_WAITING('two')}`,
    );
    expect((await serverView(proxy.url, 'two')).state).toBe('loggingIn');
    const joined = await post(proxy.url, '/api/v1/servers/two/login');
    expect(joined.json.auth_url).toBe(authUrl);
    await followAuthUrl(authUrl);
    await waitForState(proxy.url, 'two', 'authenticated');

    // The table shows the schedule; -o json is exactly GET /api/v1/servers; auth status lists
    // every server's token status, never a secret (four read-only commands, run side by side).
    const [listed, json, status, statusTable] = await Promise.all([
      runCli(['upstream', 'list', ...at]),
      runCli(['upstream', 'list', '-o', 'json', ...at]),
      runCli(['auth', 'status', '-o', 'json', ...at]),
      runCli(['auth', 'status', ...at]),
    ]);
    expect(listed.stdout).toMatch(
      /^one\s+auto\s+authenticated\.refreshScheduled\s+healthy \(Token refresh scheduled for \d\d:\d\d\)$/m,
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(await getJson(proxy.url, '/api/v1/servers'));
    expect(status.code).toBe(0);
    const statusRows = JSON.parse(status.stdout) as Array<Record<string, unknown>>;
    expect(statusRows.map((r) => [r.name, r.oauth_status, r.source])).toEqual([
      ['everything', 'none', 'daemon'],
      ['one', 'authenticated', 'daemon'],
      ['two', 'authenticated', 'daemon'],
    ]);
    expect(statusRows[1]).toMatchObject({
      token_expires_at: expect.any(String),
      refresh_at: expect.any(String),
    });
    expect(issuedSecretsIn(status.stdout + status.stderr)).toEqual([]);
    expect(statusTable.stdout).toMatch(/^NAME\s+OAUTH\s+EXPIRES\s+REFRESH AT\s+LAST ERROR$/m);
    expect(issuedSecretsIn(statusTable.stdout)).toEqual([]);

    expect(await proxy.stop('SIGTERM')).toBe(0);
  });

  it('logs out one server or all, refuses what it cannot log out, and says why a login failed', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const { two, dataDir, proxy, at } = await daemonWithThreeServers(world);
    await loginThroughDaemon(proxy.url, 'one');
    await loginThroughDaemon(proxy.url, 'two');
    const browserLog = browserLogIn(dataDir);

    // logout --server: that server only.
    const out1 = await runCli(['auth', 'logout', '--server', 'one', ...at]);
    expect(out1).toMatchObject({ code: 0, stdout: 'one: logged out\n' });
    expect(await serverView(proxy.url, 'one')).toMatchObject({
      state: 'loginRequired',
      oauth_status: 'login_required',
    });
    // auth status says why it is parked, as upstream list does.
    const parked = JSON.parse((await runCli(['auth', 'status', '-o', 'json', ...at])).stdout);
    expect(parked.find((r: { name: string }) => r.name === 'one')).toMatchObject({
      oauth_status: 'login_required',
      last_error: 'Logged out - login required',
    });
    expect((await serverView(proxy.url, 'two')).oauth_status).toBe('authenticated');
    // Errors: a server without OAuth, an unknown server.
    const noOauth = await runCli(['auth', 'logout', '--server', 'everything', ...at]);
    expect(noOauth.code).toBe(1);
    expect(noOauth.stderr).toBe(
      'mcpproxy: everything does not use OAuth: there is nothing to log out of.\n',
    );
    // An unknown name lists the daemon's servers, as the standalone commands list the config's.
    const unknownServer = `mcpproxy: No server named "nosuch" in the daemon at ${proxy.url}. Known: everything, one, two.\n`;
    const unknown = await runCli(['auth', 'logout', '--server', 'nosuch', ...at]);
    expect(unknown).toMatchObject({ code: 1, stderr: unknownServer });
    const unknownLogin = await runCli(['auth', 'login', '--server', 'nosuch', ...at]);
    expect(unknownLogin).toMatchObject({ code: 1, stderr: unknownServer });
    // Logging out again is no failure: it says nothing was stored.
    const again = await runCli(['auth', 'logout', '--server', 'one', ...at]);
    expect(again).toMatchObject({
      code: 0,
      stdout: 'one: already logged out (no tokens were stored)\n',
    });

    // logout --all: every OAuth server, the stdio one untouched.
    const all = await runCli(['auth', 'logout', '--all', ...at]);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('one: already logged out (no tokens were stored)\ntwo: logged out\n');
    expect((await serverView(proxy.url, 'two')).oauth_status).toBe('login_required');
    expect((await serverView(proxy.url, 'everything')).state).toBe('connected');

    // A login that fails says why once, naming the server, and exits 1.
    two.setFail({ mode: 'access_denied' });
    const denied = await runCli(['auth', 'login', '--server', 'two', ...at], {
      env: browserEnv(browserLog),
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(
      /^mcpproxy: Login failed: two: the authorization server answered access_denied/m,
    );
    expect(denied.stderr).not.toContain('Login failed: Login failed');

    // A forced re-login of a working server that is denied fails, and the server goes on with
    // its token instead of parking.
    two.setFail({ mode: 'none' });
    await loginThroughDaemon(proxy.url, 'two');
    const tokenBefore = (await serverView(proxy.url, 'two')).token_expires_at;
    two.setFail({ mode: 'access_denied' });
    const reDenied = await runCli(['auth', 'login', '--server', 'two', '--force', ...at], {
      env: browserEnv(browserLog),
    });
    expect(reDenied.code).toBe(1);
    expect(reDenied.stderr).toMatch(
      /^mcpproxy: Login failed: two: the authorization server answered access_denied.*\); two goes on with its stored tokens\.$/m,
    );
    expect((await serverView(proxy.url, 'two')).last_login_error).toMatch(
      /^Login failed: two: the authorization server answered access_denied/,
    );
    const after = await waitForState(proxy.url, 'two', 'authenticated');
    expect(after.token_expires_at).toBe(tokenBefore);

    expect(await proxy.stop('SIGTERM')).toBe(0);
  });

  it('says whether the API key was missing or rejected, and how to set it for the CLI', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const proxy = await world.proxy({
      config: { api_key: 'right-key', mcpServers: [] },
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    const at = ['--url', proxy.url];
    const missing = await runCli(['upstream', 'list', ...at]);
    expect(missing).toMatchObject({
      code: 1,
      stderr: `mcpproxy: mcpproxy at ${proxy.url} requires an API key: set MCPPROXY_API_KEY, or api_key in the config.\n`,
    });
    const wrong = await runCli(['auth', 'status', ...at], {
      env: { MCPPROXY_API_KEY: 'wrong-key' },
    });
    expect(wrong).toMatchObject({
      code: 1,
      stderr: `mcpproxy: mcpproxy at ${proxy.url} rejected the API key from $MCPPROXY_API_KEY: set MCPPROXY_API_KEY, or api_key in the config, to the daemon's key.\n`,
    });
    expect(wrong.stderr).not.toContain('X-API-Key');
    const right = await runCli(['upstream', 'list', ...at], {
      env: { MCPPROXY_API_KEY: 'right-key' },
    });
    expect(right.code, right.stderr).toBe(0);
    expect(await proxy.stop('SIGTERM')).toBe(0);
  });

  it('colours the HEALTH column on a terminal unless NO_COLOR is set', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const proxy = await world.proxy({
      config: {
        mcpServers: [everythingStdio()],
      },
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    await waitForState(proxy.url, 'everything', 'connected');
    const env: NodeJS.ProcessEnv = { ...childEnv(), TERM: 'xterm' };
    delete env.NO_COLOR;
    const coloured = await runCliInTty(['upstream', 'list', '--url', proxy.url], env);
    expect(coloured.code).toBe(0);
    expect(coloured.output).toContain('\u001b[32mhealthy\u001b[0m');
    const plain = await runCliInTty(['upstream', 'list', '--url', proxy.url], {
      ...env,
      NO_COLOR: '1',
    });
    expect(plain.code).toBe(0);
    expect(plain.output).toMatch(/everything\s+stdio\s+connected\s+healthy/);
    expect(plain.output).not.toContain('\u001b[3');
    expect(await proxy.stop('SIGTERM')).toBe(0);
  });
});
