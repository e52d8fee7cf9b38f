/**
 * @module Options of the OAuth test server: the public option type, defaults, validation and the
 * duration syntax (`30s`, `5m`, `24h`, `2d`, plain seconds) shared by the API and the CLI.
 */
import { OptionsError } from './errors.js';
import { parseFailConfig } from './fail.js';
import type { FailConfig } from './fail.js';
import type { RequestLogEntry } from './log.js';

/** Hosts the test server may bind: loopback only. */
export type LoopbackHost = '127.0.0.1' | 'localhost' | '::1';

/** Options of {@link startOAuthTestServer}; every field is optional. */
export interface OAuthTestServerOptions {
  /** TCP port; 0 (default) picks a free ephemeral port. */
  port?: number;
  /** Loopback address to bind (default `127.0.0.1`). */
  host?: LoopbackHost;
  /** Access-token lifetime in seconds (default 30). */
  accessTokenTtlS?: number;
  /** Refresh-token lifetime in seconds, counted from its issue (default 24 h); null = never expires. */
  refreshTokenTtlS?: number | null;
  /** Each refresh returns a new refresh token and retires the presented one (default false). */
  rotateRefreshTokens?: boolean;
  /** With rotation: presenting a retired refresh token revokes its whole grant (default true). */
  reuseDetection?: boolean;
  /** Error injection active from the start (default `{ mode: 'none' }`). */
  fail?: FailConfig;
  /** Scopes the AS knows; others are refused with `invalid_scope` (default mcp, admin, offline_access). */
  scopesSupported?: string[];
  /** Scopes granted when a client asks none; also the `scope` of 401 challenges (default ['mcp']). */
  defaultScopes?: string[];
  /** Put `scope="<defaultScopes>"` into 401 challenges (default true). */
  scopeInChallenge?: boolean;
  /** Add `refresh_token_expires_in` to token responses (default false). */
  refreshTokenLifetimeInResponse?: boolean;
  /** Without rotation, answer refreshes without `refresh_token` (as Google does; default false). */
  omitRefreshTokenOnRefresh?: boolean;
  /** Called with each request-log entry once its request is answered (the CLI prints them). */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  port: number;
  host: LoopbackHost;
  accessTokenTtlS: number;
  refreshTokenTtlS: number | null;
  rotateRefreshTokens: boolean;
  reuseDetection: boolean;
  fail: FailConfig;
  scopesSupported: string[];
  defaultScopes: string[];
  scopeInChallenge: boolean;
  refreshTokenLifetimeInResponse: boolean;
  omitRefreshTokenOnRefresh: boolean;
}

const HOSTS: readonly LoopbackHost[] = ['127.0.0.1', 'localhost', '::1'];
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `30s`, `5m`, `24h`, `2d` or plain seconds into whole seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!match) {
    throw new OptionsError(`invalid duration "${text}" (use e.g. 30s, 5m, 24h or seconds)`);
  }
  return Number(match[1]) * UNIT_SECONDS[match[2] ?? ''];
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new OptionsError(`${name} must be a whole number of seconds >= 1, got ${value}`);
  }
  return value;
}

function scopeList(name: string, scopes: string[]): string[] {
  if (!Array.isArray(scopes) || scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new OptionsError(`${name} must be a list of OAuth scope tokens`);
  }
  return [...scopes];
}

/** Applies defaults and validates; throws {@link OptionsError}. */
export function resolveOptions(options: OAuthTestServerOptions = {}): ResolvedOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OptionsError(`port must be an integer 0-65535, got ${port}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (!HOSTS.includes(host)) {
    throw new OptionsError(`host must be a loopback address (${HOSTS.join(', ')}), got ${host}`);
  }
  const refreshTtl = options.refreshTokenTtlS === undefined ? 86400 : options.refreshTokenTtlS;
  const scopesSupported = scopeList(
    'scopesSupported',
    options.scopesSupported ?? ['mcp', 'admin', 'offline_access'],
  );
  const defaultScopes = scopeList('defaultScopes', options.defaultScopes ?? ['mcp']);
  const unknown = defaultScopes.filter((s) => !scopesSupported.includes(s));
  if (unknown.length > 0) {
    throw new OptionsError(`defaultScopes not in scopesSupported: ${unknown.join(' ')}`);
  }
  return {
    port,
    host,
    accessTokenTtlS: positiveInt('accessTokenTtlS', options.accessTokenTtlS ?? 30),
    refreshTokenTtlS: refreshTtl === null ? null : positiveInt('refreshTokenTtlS', refreshTtl),
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    reuseDetection: options.reuseDetection ?? true,
    fail: parseFailConfig(options.fail ?? { mode: 'none' }),
    scopesSupported,
    defaultScopes,
    scopeInChallenge: options.scopeInChallenge ?? true,
    refreshTokenLifetimeInResponse: options.refreshTokenLifetimeInResponse ?? false,
    omitRefreshTokenOnRefresh: options.omitRefreshTokenOnRefresh ?? false,
  };
}
