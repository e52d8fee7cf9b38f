/**
 * @module Error injection: the fail modes, validation of a fail configuration (API, CLI and
 * `POST /__admin/fail` share it), and the run-time switch that decides which request fails.
 */
import { OptionsError } from './errors.js';

/** Every fail mode; `none` heals. */
export const FAIL_MODES = [
  'none',
  'invalid_grant',
  'server_error',
  'unavailable',
  'timeout',
  'slow',
  'malformed',
  'html',
  'no_expires_in',
  'expired_token',
  'flaky',
  'no_access_token',
  'register_refused',
  'no_metadata',
  'access_denied',
] as const;

export type FailMode = (typeof FAIL_MODES)[number];
export type FailGrant = 'authorization_code' | 'refresh_token';

/** Where a request arrived; each mode applies to one route. */
export type FailRoute = 'token' | 'register' | 'metadata' | 'authorize';

/** A fail configuration, as `POST /__admin/fail` takes it. */
export interface FailConfig {
  mode: FailMode;
  /** Fail only every Nth matching request (default 3 for `flaky`, else 1 = every request). */
  every?: number;
  /** Token modes only: limit to one grant type (default: any grant). */
  grant?: FailGrant;
  /** `slow`: delay before answering normally (default 5000). */
  delay_ms?: number;
  /** `unavailable`: Retry-After, seconds or an HTTP date (default 1). */
  retry_after?: number | string;
  /** Heal by itself after this many injected failures (default: never). */
  times?: number;
}

/** The current configuration with the counters since it was set. */
export interface FailStatus extends FailConfig {
  /** Requests the mode applied to (route and grant matched). */
  matched: number;
  /** Requests that actually got the failure. */
  injected: number;
}

const ROUTE_OF: Partial<Record<FailMode, FailRoute>> = {
  register_refused: 'register',
  no_metadata: 'metadata',
  access_denied: 'authorize',
};

/** The route a mode applies to. */
export function failRoute(mode: FailMode): FailRoute | undefined {
  if (mode === 'none') return undefined;
  return ROUTE_OF[mode] ?? 'token';
}

function wholeNumber(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new OptionsError(`fail.${field} must be an integer >= ${min}`);
  }
  return value;
}

/** Validates a fail configuration and fills in its defaults; throws {@link OptionsError}. */
export function parseFailConfig(input: unknown): FailConfig {
  if (typeof input !== 'object' || input === null) {
    throw new OptionsError('fail config must be a JSON object with a "mode"');
  }
  const raw = input as Record<string, unknown>;
  const mode = raw.mode as FailMode;
  if (!FAIL_MODES.includes(mode)) {
    throw new OptionsError(
      `unknown fail mode "${String(raw.mode)}" (one of: ${FAIL_MODES.join(', ')})`,
    );
  }
  if (mode === 'none') return { mode };
  const config: FailConfig = { mode, every: mode === 'flaky' ? 3 : 1 };
  if (raw.every !== undefined) config.every = wholeNumber('every', raw.every, 1);
  if (raw.times !== undefined) config.times = wholeNumber('times', raw.times, 1);
  if (raw.grant !== undefined) {
    if (raw.grant !== 'authorization_code' && raw.grant !== 'refresh_token') {
      throw new OptionsError('fail.grant must be "authorization_code" or "refresh_token"');
    }
    if (failRoute(mode) !== 'token') {
      throw new OptionsError(`fail.grant does not apply to mode ${mode}`);
    }
    config.grant = raw.grant;
  }
  if (mode === 'slow') {
    config.delay_ms = raw.delay_ms === undefined ? 5000 : wholeNumber('delay_ms', raw.delay_ms, 0);
  }
  if (mode === 'unavailable') {
    config.retry_after = parseRetryAfter(raw.retry_after ?? 1);
  }
  return config;
}

function parseRetryAfter(value: unknown): number | string {
  if (typeof value === 'number') return wholeNumber('retry_after', value, 0);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
  throw new OptionsError('fail.retry_after must be seconds or an HTTP date');
}

/** The run-time switch: holds the active configuration and counts matching requests. */
export class FailSwitch {
  private config: FailConfig = { mode: 'none' };
  private matched = 0;
  private injected = 0;

  constructor(initial?: FailConfig) {
    if (initial) this.set(initial);
  }

  /** Replaces the configuration (validated) and resets the counters. */
  set(config: FailConfig): void {
    this.config = parseFailConfig(config);
    this.matched = 0;
    this.injected = 0;
  }

  status(): FailStatus {
    return { ...this.config, matched: this.matched, injected: this.injected };
  }

  /**
   * Called once per request on a route: answers the mode to inject into this request, if any.
   * `grant` is the token request's grant_type.
   */
  check(route: FailRoute, grant?: string): FailConfig | undefined {
    const config = this.config;
    if (failRoute(config.mode) !== route) return undefined;
    if (config.grant !== undefined && config.grant !== grant) return undefined;
    this.matched += 1;
    if (this.matched % (config.every ?? 1) !== 0) return undefined;
    this.injected += 1;
    if (config.times !== undefined && this.injected >= config.times) {
      this.config = { mode: 'none' };
    }
    return config;
  }
}
