/**
 * @module `mcpproxy auth login|logout|status`: through the running daemon's REST API when one
 * answers; otherwise standalone against the LMDB store in the data dir (the next `serve`, or a
 * running daemon within 3 s, picks the result up).
 */
import type { ServerView } from '../../machines/upstream/server-view.js';
import { NotFoundError, UsageError } from '../../services/errors.js';
import { outputFormat, parseCommandArgs, parseDuration } from '../args.js';
import {
  api,
  clientContext,
  daemonAnswers,
  LOGIN_START_TIMEOUT_MS,
  type ClientContext,
} from '../client.js';
import { browserDisabled, openBrowser } from '../browser.js';
import { startSpinner } from '../spinner.js';
import { standaloneLogin, standaloneLogout, standaloneStatus } from '../standalone.js';
import { renderTable } from '../table.js';

export const AUTH_HELP = `Usage:
  mcpproxy auth login --server NAME [--no-browser] [--force] [--timeout 300s]
  mcpproxy auth logout (--server NAME | --all)
  mcpproxy auth status [-o table|json]

login   asks the running daemon to start the OAuth flow (or runs it itself when no daemon
        answers), prints the URL, opens the browser ($BROWSER honoured; --no-browser, HEADLESS
        or NO_BROWSER only print) and waits until the server is authenticated.
logout  removes the stored tokens (the client registration is kept).
status  shows each server's token status; never prints a secret.

Common options: --url URL (daemon), --config F, --data-dir D, -h/--help.`;

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

async function loginViaDaemon(
  ctx: ClientContext,
  server: string,
  force: boolean,
  noBrowser: boolean,
  timeoutMs: number,
): Promise<number> {
  const viewPath = `/api/v1/servers/${encodeURIComponent(server)}`;
  // A failed login on a working server leaves it on this token (it does not park): only a new
  // token means this login succeeded.
  const tokenBefore = (await api<ServerView>(ctx.target, 'GET', viewPath)).token_expires_at;
  const answer = await api<LoginAnswer>(
    ctx.target,
    'POST',
    `${viewPath}/login`,
    { force },
    LOGIN_START_TIMEOUT_MS,
  );
  if (answer.status === 'authenticated' && !answer.auth_url) {
    process.stdout.write(`${server} is already authenticated (use --force to log in again).\n`);
    return 0;
  }
  if (!answer.auth_url)
    throw new UsageError(`The daemon did not return an authorization URL for ${server}.`);
  await announce(answer.auth_url, noBrowser);
  const spinner = startSpinner(
    `Waiting for the browser login of ${server} (correlation_id ${answer.correlation_id})…`,
  );
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const view = await api<ServerView>(ctx.target, 'GET', viewPath);
      if (view.state === 'loggingIn') continue;
      // This login failed on a server that kept its stored tokens (they may even have been
      // refreshed meanwhile: a new token alone does not mean this login succeeded).
      if (
        view.last_login_error ||
        (tokenBefore !== null && view.token_expires_at === tokenBefore)
      ) {
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
        spinner.stop(
          `${server} is authenticated (token expires ${view.token_expires_at ?? 'never'}).`,
        );
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
  } finally {
    spinner.stop();
  }
  process.stderr.write(
    `mcpproxy: Timed out after ${Math.round(timeoutMs / 1000)}s waiting for the login of ${server}.\n`,
  );
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
  if (values.help) return (void out(AUTH_HELP), 0);
  if (!values.server) throw new UsageError('auth login: --server NAME is required.');
  const timeoutMs = parseDuration('--timeout', values.timeout ?? '300s');
  const ctx = await context(values);
  const noBrowser = values['no-browser'] === true;
  if (await daemonAnswers(ctx.target)) {
    return loginViaDaemon(ctx, values.server, values.force === true, noBrowser, timeoutMs);
  }
  process.stderr.write(`No daemon answers at ${ctx.target.url}: running the login here.\n`);
  const spinner = { current: null as ReturnType<typeof startSpinner> | null };
  const record = await standaloneLogin(ctx, values.server, {
    force: values.force === true,
    timeoutMs,
    onAuthUrl: async (url) => {
      await announce(url, noBrowser);
      spinner.current = startSpinner(`Waiting for the browser login of ${values.server}…`);
    },
  }).finally(() => spinner.current?.stop());
  if (record === 'already') {
    out(`${values.server} is already authenticated (use --force to log in again).`);
    return 0;
  }
  out(
    `${values.server} is authenticated; the token is stored in ${ctx.dataDir} for the next "mcpproxy serve".`,
  );
  return 0;
}

async function runLogout(argv: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs('auth logout', argv, {
    ...common,
    server: { type: 'string' },
    all: { type: 'boolean' },
  });
  if (values.help) return (void out(AUTH_HELP), 0);
  if (!values.server === !values.all)
    throw new UsageError('auth logout: pass either --server NAME or --all.');
  const ctx = await context(values);
  const names = values.all ? ctx.config.servers.map((s) => s.name) : [values.server!];
  if (await daemonAnswers(ctx.target)) {
    const views = await api<ServerView[]>(ctx.target, 'GET', '/api/v1/servers');
    const targets = values.all ? views.filter((v) => v.oauth !== null).map((v) => v.name) : names;
    for (const name of targets) {
      await api(ctx.target, 'POST', `/api/v1/servers/${encodeURIComponent(name)}/logout`);
      out(`${name}: logged out`);
    }
    return 0;
  }
  const done = await standaloneLogout(ctx, names, values.all === true);
  for (const name of done) out(`${name}: logged out`);
  if (!values.all && done.length === 0)
    throw new NotFoundError(`No stored tokens for "${values.server}".`);
  return 0;
}

async function runStatus(argv: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs('auth status', argv, {
    ...common,
    output: { type: 'string', short: 'o' },
  });
  if (values.help) return (void out(AUTH_HELP), 0);
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
      out(AUTH_HELP);
      return 2;
    case '--help':
    case '-h':
      out(AUTH_HELP);
      return 0;
    default:
      throw new UsageError(`Unknown auth command "${sub}". Run "mcpproxy auth --help".`);
  }
}
