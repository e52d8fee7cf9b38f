/**
 * @module `mcpproxy demo`: starts the project's OAuth test server (short-lived tokens) as a child
 * process and a proxy pointed at it in a throwaway data dir, logs in through the test server's
 * auto-approving flow, and prints the dashboard URL; keys break and heal the authorization server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DashboardOptions } from '../../http/dashboard/index.js';
import { ProxyError, UsageError } from '../../services/errors.js';
import { createLogger, type Logger } from '../../services/logger/index.js';
import { ensurePrivateDir } from '../../services/token-store/private-files.js';
import { parseCommandArgs, parseDuration, parseLogLevel } from '../args.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../daemon.js';
import { DEFAULT_INSPECT_URL, statelyInspector } from './inspect.js';

/** The demo's config file in its data dir (never the user's `mcp_config.json`). */
const DEMO_CONFIG = 'demo_config.json';

export const DEMO_HELP = `Usage: mcpproxy demo [--listen H:P] [--access-token-ttl D] [--data-dir D] [--log-level L] [--inspect [--inspect-url URL]]

Starts the OAuth test server and a proxy pointed at it, logs in automatically and prints the
dashboard URL: watch the "demo" server refresh its token on the statechart, break the
authorization server and see it recover.
  --listen H:P            proxy address (default 127.0.0.1:8080; a free port if that one is taken)
  --access-token-ttl D    access-token lifetime of the test server (default 30s)
  --data-dir D            keep the demo's data here (default: a temp dir, removed at exit);
                          its config goes to demo_config.json there (mcp_config.json is left alone)
  --inspect               also stream the actors to a Stately inspector over WebSocket
  --inspect-url URL       that inspector's WebSocket URL (default ${DEFAULT_INSPECT_URL})
  --log-level L           proxy log level: trace, debug, info (default), warn, error
  -h, --help              show this help
Keys while it runs: b = break the authorization server (HTTP 500), h = heal it,
r = restart the demo server, q = quit (or Ctrl-C).`;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = 'demo';

interface TestServer {
  url: string;
  mcp: string;
  child: ChildProcess;
}

/** Runs the OAuth test server as a child process; resolves with its URLs once it listens. */
async function startTestServer(ttlS: number): Promise<TestServer> {
  const args = ['--import', 'tsx', 'test/oauthserver/main.ts', '--port', '0'];
  args.push('--access-token-ttl', `${ttlS}s`, '--rotate-refresh-tokens', '--quiet');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (d) => (errors += d));
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new ProxyError('demo_failed', `The OAuth test server ${why}: ${errors.trim()}`));
    };
    const timer = setTimeout(() => fail('did not start within 20 s'), 20_000);
    child.once('exit', (code) => fail(`exited with ${code}`));
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        const ready = JSON.parse(line) as { url: string; mcp: string };
        resolve({ url: ready.url, mcp: ready.mcp, child });
      } catch {
        fail(`printed "${line.slice(0, 200)}" instead of its URLs`);
      }
    });
  });
}

async function startProxy(
  options: DaemonOptions & { dashboard: DashboardOptions },
): Promise<Daemon> {
  try {
    return await startDaemon(options);
  } catch (error) {
    if (!(error instanceof ProxyError && error.code === 'port_in_use')) throw error;
    options.logger?.warn(`${options.listen} is taken; using a free port instead`);
    return startDaemon({ ...options, listen: '127.0.0.1:0' });
  }
}

/** Logs in the way a user's browser would: the test server approves and redirects at once. */
async function autoLogin(daemon: Daemon): Promise<void> {
  const api = `${daemon.url}/api/v1/servers/${SERVER}`;
  const started = (await (await fetch(`${api}/login`, { method: 'POST' })).json()) as {
    auth_url?: string;
  };
  if (started.auth_url) {
    const authorize = await fetch(started.auth_url, { redirect: 'manual' });
    const callback = authorize.headers.get('location');
    if (!callback)
      throw new ProxyError(
        'demo_failed',
        `The test server did not approve the login (HTTP ${authorize.status}).`,
      );
    await (await fetch(new URL(callback, started.auth_url))).text();
  }
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    const view = (await (await fetch(api)).json()) as { oauth_status?: string };
    if (view.oauth_status === 'authenticated') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new ProxyError('demo_failed', 'The demo server did not become authenticated within 15 s.');
}

function banner(daemon: Daemon, as: TestServer, ttlS: number): string {
  const fail = (mode: string) => `curl -X POST ${as.url}/__admin/fail -d '{"mode":"${mode}"}'`;
  return `
mcpproxy demo is running.
  Dashboard:        ${daemon.url}/
  MCP endpoint:     ${daemon.url}/mcp
  OAuth test server ${as.url} (access tokens live ${ttlS} s, refreshed at 80 %)

Open the dashboard and select "${SERVER}": its statechart moves refreshScheduled → refreshing →
refreshScheduled every ${Math.round(ttlS * 0.8)} s. Keys: b = break the authorization server,
h = heal it, r = restart ${SERVER}, q = quit. From another terminal:
  ${fail('server_error')}
  ${fail('none')}
`;
}

/** Reacts to keys (a TTY) or lines (a pipe) on stdin until `quit` is chosen. */
function listenForKeys(act: (key: string) => void): () => void {
  const stdin = process.stdin;
  const onData = (data: Buffer) => act(data.toString()[0] ?? '');
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    stdin.on('data', onData);
    return () => (stdin.off('data', onData), stdin.setRawMode(false), stdin.pause());
  }
  const lines = createInterface({ input: stdin });
  lines.on('line', (line) => act(line.trim()[0] ?? ''));
  return () => lines.close();
}

/** `mcpproxy demo`. Resolves with 0 after Ctrl-C, `q` or SIGTERM, everything stopped. */
export async function runDemo(argv: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, {
    listen: { type: 'string' },
    'access-token-ttl': { type: 'string' },
    'data-dir': { type: 'string' },
    inspect: { type: 'boolean' },
    'inspect-url': { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (values.help) return (out(DEMO_HELP), 0);
  const ttlS = Math.round(
    parseDuration('--access-token-ttl', values['access-token-ttl'] ?? '30s', 2000) / 1000,
  );
  const logger: Logger = createLogger({ level: parseLogLevel(values['log-level']) });
  const inspector = values.inspect
    ? statelyInspector(values['inspect-url'] ?? DEFAULT_INSPECT_URL, logger)
    : null;
  if (values['data-dir'] !== undefined && values['data-dir'].trim() === '')
    throw new UsageError(
      '--data-dir must not be empty: pass a directory, or leave the flag out for a temporary one.',
    );
  const dataDir = values['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'mcpproxy-demo-')));
  // A named data dir is made as serve makes it (0700), before the test server starts.
  await ensurePrivateDir(dataDir);
  const as = await startTestServer(ttlS);
  let daemon: Daemon | undefined;
  const cleanup = async () => {
    inspector?.stop();
    await daemon?.stop();
    as.child.kill('SIGTERM');
    if (!values['data-dir']) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // Its own file: a data dir the user named may hold their real mcp_config.json.
    const configPath = join(dataDir, DEMO_CONFIG);
    const config = {
      refresh: { threshold: 0.8, min_interval_s: 1 },
      mcpServers: { [SERVER]: { url: as.mcp, protocol: 'http', oauth: {} } },
    };
    await writeFile(configPath, JSON.stringify(config, null, 2));
    daemon = await startProxy({
      configPath,
      dataDir,
      listen: values.listen ?? '127.0.0.1:8080',
      logger,
      inspectors: inspector ? [inspector] : [],
      dashboard: { demo: { oauthServerUrl: as.url } },
    });
    await autoLogin(daemon);
    out(banner(daemon, as, ttlS));
  } catch (error) {
    await cleanup();
    throw error;
  }
  return runUntilQuit(daemon, as, cleanup, out);
}

function runUntilQuit(
  daemon: Daemon,
  as: TestServer,
  cleanup: () => Promise<void>,
  out: (line: string) => void,
): Promise<number> {
  const post = (url: string, body: object) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch(() => undefined);
  return new Promise((resolve) => {
    let stopKeys = () => {};
    const quit = () => {
      stopKeys();
      void cleanup().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    const actions: Record<string, () => unknown> = {
      b: () => (
        post(`${as.url}/__admin/fail`, { mode: 'server_error' }),
        out('Authorization server broken: refreshes now get HTTP 500.')
      ),
      h: () => (
        post(`${as.url}/__admin/fail`, { mode: 'none' }),
        out('Authorization server healed.')
      ),
      r: () => (
        post(`${daemon.url}/api/v1/servers/${SERVER}/restart`, {}),
        out(`Restarting ${SERVER}.`)
      ),
      q: quit,
      '\u0003': quit,
    };
    stopKeys = listenForKeys((key) => actions[key]?.());
    process.once('SIGINT', quit);
    process.once('SIGTERM', quit);
  });
}
