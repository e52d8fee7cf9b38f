/**
 * @module `mcpproxy auth login|logout|status`: through the running daemon's REST API when one
 * answers; otherwise standalone against the LMDB store in the data dir (the next `serve`, or a
 * running daemon within 3 s, picks the result up).
 */
import type { ServerView } from '../../machines/upstream/server-view.js';
import { UsageError } from '../../services/errors.js';
import { outputFormat, parseCommandArgs, parseDuration } from '../args.js';
import {
  api,
  clientContext,
  daemonAnswers,
  LOGIN_START_TIMEOUT_MS,
  serverViewOf,
  type ClientContext,
} from '../client.js';
import { browserDisabled, openBrowser } from '../browser.js';
import { startSpinner, untilInterrupted, type Spinner } from '../spinner.js';
import { standaloneLogin, standaloneLogout, standaloneStatus } from '../standalone.js';
import { renderTable } from '../table.js';
import { AUTH_HELP, AUTH_LOGIN_HELP, AUTH_LOGOUT_HELP, AUTH_STATUS_HELP } from './auth-help.js';

const common = {
  url: { type: 'string' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

interface LoginAnswer {
  status?: string;
  auth_url?: string;
  correlation_id?: string;
}

async function context(values: { url?: string; config?: string; 'data-dir'?: string }) {
  return clientContext({ url: values.url, config: values.config, dataDir: values['data-dir'] });
}

async function announce(url: string, noBrowser: boolean): Promise<void> {
  process.stderr.write(`Open this URL to log in:\n  ${url}\n`);
  if (noBrowser || browserDisabled()) return;
  if (!(await openBrowser(url)))
    process.stderr.write('Could not start a browser; open the URL yourself.\n');
}

/** Said when a login through the daemon ends here (timeout, Ctrl-C) while its flow goes on. */
const keepsWaiting = (server: string) =>
  `the login flow of ${server} keeps waiting in the daemon (it gives up after 5 min, or earlier ` +
  'when the stored token needs a refresh): run the command again to join it.';

const timedOut = (server: string, timeoutMs: number) =>
  `Login of ${server} timed out after ${Math.round(timeoutMs / 1000)}s`;

async function loginViaDaemon(
  ctx: ClientContext,
  server: string,
  force: boolean,
  noBrowser: boolean,
  timeoutMs: number,
  out: (line: string) => void,
): Promise<number> {
  const viewPath = `/api/v1/servers/${encodeURIComponent(server)}`;
  // A failed login on a working server leaves it on this token (it does not park): only a new
  // token means this login succeeded.
  const tokenBefore = (await serverViewOf<ServerView>(ctx.target, server)).token_expires_at;
  const answer = await api<LoginAnswer>(
    ctx.target,
    'POST',
    `${viewPath}/login`,
    { force },
    LOGIN_START_TIMEOUT_MS,
  );
  if (answer.status === 'authenticated' && !answer.auth_url) {
    out(`${server} is already authenticated (use --force to log in again).`);
    return 0;
  }
  if (!answer.auth_url)
    throw new UsageError(`The daemon did not return an authorization URL for ${server}.`);
  // Ctrl-C is handled from before the URL is shown: a user (or script) that interrupts as soon
  // as the waiting line appears must get the message and exit 130, not Node's default kill.
  let spinner: Spinner | null = null;
  const waiting = (async () => {
    await announce(answer.auth_url!, noBrowser);
    spinner = startSpinner(
      `Waiting for the browser login of ${server} (correlation_id ${answer.correlation_id})…`,
    );
    return waitForLogin(ctx, server, tokenBefore, timeoutMs, spinner, out);
  })();
  try {
    return await untilInterrupted(
      waiting,
      { stop: () => spinner?.stop() },
      `Interrupted; ${keepsWaiting(server)}`,
    );
  } finally {
    (spinner as Spinner | null)?.stop();
  }
}

/** Polls the server's view until this login ends; prints the outcome, returns the exit code. */
async function waitForLogin(
  ctx: ClientContext,
  server: string,
  tokenBefore: string | null,
  timeoutMs: number,
  spinner: Spinner,
  out: (line: string) => void,
): Promise<number> {
  const viewPath = `/api/v1/servers/${encodeURIComponent(server)}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const view = await api<ServerView>(ctx.target, 'GET', viewPath);
    if (view.state === 'loggingIn') continue;
    // This login failed on a server that kept its stored tokens (they may even have been
    // refreshed meanwhile: a new token alone does not mean this login succeeded).
    if (view.last_login_error || (tokenBefore !== null && view.token_expires_at === tokenBefore)) {
      spinner.stop();
      const reason = (
        view.last_login_error ??
        view.last_error ??
        'it was denied, failed or timed out'
      ).replace(/\.$/, '');
      process.stderr.write(
        `mcpproxy: ${reason.startsWith('Login failed') ? reason : `Login failed: ${reason}`}; ` +
          `${server} goes on with its stored tokens.\n`,
      );
      return 1;
    }
    if (view.oauth_status === 'authenticated' && view.state.startsWith('authenticated')) {
      spinner.stop();
      out(`${server} is authenticated (token expires ${view.token_expires_at ?? 'never'}).`);
      return 0;
    }
    if (view.state === 'loginRequired') {
      spinner.stop();
      // The health detail of a failed flow already starts with "Login failed: ".
      const reason = view.health.detail || view.health.summary;
      process.stderr.write(
        `mcpproxy: ${reason.startsWith('Login failed') ? reason : `Login failed: ${reason}`}\n`,
      );
      return 1;
    }
  }
  spinner.stop();
  process.stderr.write(`mcpproxy: ${timedOut(server, timeoutMs)}; ${keepsWaiting(server)}\n`);
  return 1;
}

async function runLogin(argv: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs('auth login', argv, {
    ...common,
    server: { type: 'string' },
    'no-browser': { type: 'boolean' },
    force: { type: 'boolean' },
    timeout: { type: 'string' },
  });
  if (values.help) return (void out(AUTH_LOGIN_HELP), 0);
  if (!values.server) throw new UsageError('auth login: --server NAME is required.');
  const server = values.server;
  const timeoutMs = parseDuration('--timeout', values.timeout ?? '300s');
  const ctx = await context(values);
  const noBrowser = values['no-browser'] === true;
  if (await daemonAnswers(ctx.target)) {
    return loginViaDaemon(ctx, server, values.force === true, noBrowser, timeoutMs, out);
  }
  process.stderr.write(`No daemon answers at ${ctx.target.url}: running the login here.\n`);
  const spinner = { current: null as Spinner | null };
  const login = standaloneLogin(ctx, server, {
    force: values.force === true,
    timeoutMs,
    timedOut: `${timedOut(server, timeoutMs)}.`,
    onAuthUrl: async (url) => {
      await announce(url, noBrowser);
      spinner.current = startSpinner(`Waiting for the browser login of ${server}…`);
    },
  });
  const record = await untilInterrupted(
    login,
    { stop: () => spinner.current?.stop() },
    `Interrupted; the login of ${server} was cancelled (no token was stored).`,
  ).finally(() => spinner.current?.stop());
  if (record === 'already') {
    out(`${server} is already authenticated (use --force to log in again).`);
    return 0;
  }
  out(
    `${server} is authenticated; the token is stored in ${ctx.dataDir} for the next "mcpproxy serve".`,
  );
  return 0;
}

/** The line for a server that had nothing stored: logging out again is no failure. */
const alreadyLoggedOut = (name: string) => `${name}: already logged out (no tokens were stored)`;

async function runLogout(argv: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs('auth logout', argv, {
    ...common,
    server: { type: 'string' },
    all: { type: 'boolean' },
  });
  if (values.help) return (void out(AUTH_LOGOUT_HELP), 0);
  if (!values.server === !values.all)
    throw new UsageError('auth logout: pass either --server NAME or --all.');
  const ctx = await context(values);
  if (await daemonAnswers(ctx.target)) {
    const views = values.all
      ? (await api<ServerView[]>(ctx.target, 'GET', '/api/v1/servers')).filter(
          (v) => v.oauth !== null,
        )
      : [await serverViewOf<ServerView>(ctx.target, values.server!)];
    for (const view of views) {
      await api(ctx.target, 'POST', `/api/v1/servers/${encodeURIComponent(view.name)}/logout`);
      // Parked with no token: there was nothing to remove.
      const hadTokens = view.state !== 'loginRequired' || view.token_expires_at !== null;
      out(hadTokens ? `${view.name}: logged out` : alreadyLoggedOut(view.name));
    }
    if (views.length === 0) out('No server uses OAuth: there is nothing to log out of.');
    return 0;
  }
  const results = await standaloneLogout(ctx, values.all ? null : values.server!);
  for (const { name, removed } of results)
    out(removed ? `${name}: logged out` : alreadyLoggedOut(name));
  if (results.length === 0) out(`No tokens are stored in ${ctx.dataDir}: nothing to log out.`);
  return 0;
}

async function runStatus(argv: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs('auth status', argv, {
    ...common,
    output: { type: 'string', short: 'o' },
  });
  if (values.help) return (void out(AUTH_STATUS_HELP), 0);
  const format = outputFormat('auth status', values.output);
  const ctx = await context(values);
  const rows = (await daemonAnswers(ctx.target))
    ? (await api<ServerView[]>(ctx.target, 'GET', '/api/v1/servers')).map((v) => ({
        name: v.name,
        oauth_status: v.oauth_status,
        token_expires_at: v.token_expires_at,
        refresh_at: v.oauth?.refresh_at ?? null,
        // Parked or failed: why (the view's last error is the park reason then).
        last_error: v.oauth?.last_error ?? v.last_error ?? null,
        source: 'daemon' as const,
      }))
    : await standaloneStatus(ctx);
  if (format === 'json') out(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) out('No servers configured.');
  else {
    out(
      renderTable(
        ['NAME', 'OAUTH', 'EXPIRES', 'REFRESH AT', 'LAST ERROR'],
        rows.map((r) => [
          r.name,
          r.oauth_status,
          r.token_expires_at ?? '-',
          r.refresh_at ?? '-',
          r.last_error ?? '',
        ]),
      ),
    );
  }
  return 0;
}

export async function runAuth(argv: string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'login':
      return runLogin(rest, out);
    case 'logout':
      return runLogout(rest, out);
    case 'status':
      return runStatus(rest, out);
    case undefined:
      // A usage error: the help goes to stderr, as any error does.
      process.stderr.write(`${AUTH_HELP}\n`);
      return 2;
    case '--help':
    case '-h':
      out(AUTH_HELP);
      return 0;
    default:
      throw new UsageError(`Unknown auth command "${sub}". Run "mcpproxy auth --help".`);
  }
}
