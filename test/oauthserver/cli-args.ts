/**
 * @module Command-line arguments of `npm run oauth-test-server`: parsing into server options
 * (pure; errors are {@link OptionsError} with a one-line message) and the help text.
 */
import { OptionsError } from './errors.js';
import { parseFailConfig } from './fail.js';
import type { FailConfig } from './fail.js';
import { parseDuration, resolveOptions } from './options.js';
import type { LoopbackHost, OAuthTestServerOptions } from './options.js';

export const HELP = `Usage: npm run oauth-test-server -- [options]

A local OAuth 2.1 authorization server + OAuth-protected MCP server for tests.
Prints one JSON line {"url","issuer","mcp","resource_metadata","port","pid"} on stdout when ready.

  --port N                       port to listen on (default 9000; 0 = ephemeral)
  --host H                       127.0.0.1 (default), localhost or ::1
  --access-token-ttl D           access-token lifetime (default 30s)
  --refresh-token-ttl D|none     refresh-token lifetime (default 24h; none = never expires)
  --rotate-refresh-tokens        each refresh returns a new refresh token
  --no-reuse-detection           with rotation: a reused refresh token does not revoke the grant
  --refresh-token-expires-in     add refresh_token_expires_in to token responses
  --omit-refresh-token-on-refresh  without rotation, refresh answers carry no refresh_token
  --scopes a,b,c                 scopes supported (default mcp,admin,offline_access)
  --fail MODE                    error injection from the start (see docs/oauth-test-server.md)
  --fail-every N                 fail every Nth matching request (flaky: default 3)
  --fail-grant G                 limit to grant refresh_token or authorization_code
  --fail-delay D                 slow: delay before answering (default 5s)
  --fail-retry-after S           unavailable: Retry-After seconds (default 1)
  --state-file PATH              keep clients and tokens in PATH across restarts (default: memory)
  --quiet                        do not print each request on stderr
  --help                         this text

Durations: 30s, 5m, 24h, 2d or plain seconds. Switch failures at run time with
  curl -X POST <url>/__admin/fail -d '{"mode":"unavailable"}'
`;

/** What the command line asks for. */
export interface CliArgs {
  help: boolean;
  quiet: boolean;
  options: OAuthTestServerOptions;
  /** `--state-file`: persist the auth state there (see state-file.ts). */
  stateFile?: string;
}

const FLAGS = new Set([
  'help',
  'quiet',
  'rotate-refresh-tokens',
  'no-reuse-detection',
  'refresh-token-expires-in',
  'omit-refresh-token-on-refresh',
]);
const VALUED = new Set([
  'port',
  'host',
  'access-token-ttl',
  'refresh-token-ttl',
  'scopes',
  'fail',
  'fail-every',
  'fail-grant',
  'fail-delay',
  'fail-retry-after',
  'state-file',
]);

function integer(name: string, text: string): number {
  if (!/^\d+$/.test(text))
    throw new OptionsError(`--${name} must be a whole number, got "${text}"`);
  return Number(text);
}

/** Parses argv (without node and script); throws {@link OptionsError}. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new OptionsError(`unexpected argument "${arg}"`);
    const [, name, inline] = match;
    if (FLAGS.has(name) && inline === undefined) flags.add(name);
    else if (VALUED.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new OptionsError(`--${name} needs a value`);
      values.set(name, value);
    } else throw new OptionsError(`unknown option --${name}`);
  }
  const get = (name: string) => values.get(name);
  const options: OAuthTestServerOptions = {
    port: integer('port', get('port') ?? '9000'),
    host: (get('host') ?? '127.0.0.1') as LoopbackHost,
    rotateRefreshTokens: flags.has('rotate-refresh-tokens'),
    reuseDetection: !flags.has('no-reuse-detection'),
    refreshTokenLifetimeInResponse: flags.has('refresh-token-expires-in'),
    omitRefreshTokenOnRefresh: flags.has('omit-refresh-token-on-refresh'),
  };
  const accessTtl = get('access-token-ttl');
  if (accessTtl !== undefined) options.accessTokenTtlS = parseDuration(accessTtl);
  const refreshTtl = get('refresh-token-ttl');
  if (refreshTtl !== undefined) {
    options.refreshTokenTtlS = refreshTtl === 'none' ? null : parseDuration(refreshTtl);
  }
  const scopes = get('scopes');
  if (scopes !== undefined) options.scopesSupported = scopes.split(',').filter(Boolean);
  options.fail = failFromArgs(get);
  resolveOptions(options); // validates now, so errors surface as usage errors
  const stateFile = get('state-file');
  return {
    help: flags.has('help'),
    quiet: flags.has('quiet'),
    options,
    ...(stateFile !== undefined ? { stateFile } : {}),
  };
}

function failFromArgs(get: (name: string) => string | undefined): FailConfig {
  const mode = get('fail');
  const extras = ['fail-every', 'fail-grant', 'fail-delay', 'fail-retry-after'].filter(get);
  if (mode === undefined) {
    if (extras.length > 0) throw new OptionsError(`--${extras[0]} needs --fail MODE`);
    return { mode: 'none' };
  }
  const raw: Record<string, unknown> = { mode };
  const every = get('fail-every');
  if (every !== undefined) raw.every = integer('fail-every', every);
  if (get('fail-grant') !== undefined) raw.grant = get('fail-grant');
  const delay = get('fail-delay');
  if (delay !== undefined)
    raw.delay_ms = /^\d+ms$/.test(delay) ? parseInt(delay, 10) : parseDuration(delay) * 1000;
  const retryAfter = get('fail-retry-after');
  if (retryAfter !== undefined)
    raw.retry_after = /^\d+$/.test(retryAfter) ? Number(retryAfter) : retryAfter;
  return parseFailConfig(raw);
}
