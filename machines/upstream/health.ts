/**
 * @module Health as a pure function of an upstream snapshot and the time (SPEC §4's table):
 * level, summary, detail, action, and the `oauth_status` the REST view and the page show.
 */
import type { StateValue } from 'xstate';
import { accessExpired, isoSeconds, refreshAt, REFRESH_EXPIRY_WARNING_MS } from './timing.js';
import type { UpstreamContext } from './upstream.types.js';

export type HealthLevel = 'healthy' | 'degraded' | 'unhealthy';
export type HealthAction = 'none' | 'login' | 'restart' | 'view_logs' | 'enable';
export type OAuthStatus =
  'none' | 'authenticated' | 'retrying' | 'expired' | 'login_required' | 'error';

export interface Health {
  level: HealthLevel;
  summary: string;
  detail: string;
  action: HealthAction;
}

/** The part of a snapshot health needs (a machine snapshot satisfies it). */
export interface UpstreamView {
  value: StateValue;
  context: UpstreamContext;
}

export { REFRESH_EXPIRY_WARNING_MS };

/** The dotted path of the active leaf (`authenticated.refreshScheduled`). */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value)[0] ?? ['unknown', undefined];
  return inner === undefined ? key : `${key}.${statePath(inner as StateValue)}`;
}

const topState = (value: StateValue) => statePath(value).split('.')[0];

const iso = isoSeconds;

const secondsUntil = (at: number | null, now: number) =>
  at === null ? 0 : Math.max(0, Math.ceil((at - now) / 1000));

/** A short label for a connection failure ("Connection refused"). */
export function failureSummary(error: string | null): string {
  if (!error) return 'Connection failed';
  if (/refused/i.test(error)) return 'Connection refused';
  if (/time(d)? ?out/i.test(error)) return 'Connection timed out';
  if (/ENOTFOUND|EAI_AGAIN|not found|DNS/i.test(error)) return 'Host not found';
  if (/HTTP 5\d\d|HTTP 429/.test(error)) return 'Server error';
  return 'Connection failed';
}

/** The stored token's status when the state itself says nothing about it. */
function storedStatus(context: UpstreamContext, now: number): OAuthStatus {
  if (!context.oauth) return 'none';
  if (context.oauthError) return 'error';
  if (!context.record?.tokens) return 'login_required';
  return accessExpired(context.record, now) ? 'expired' : 'authenticated';
}

/** `oauth_status` per SPEC §4/§5. */
export function oauthStatusOf(view: UpstreamView, now: number): OAuthStatus {
  const { context } = view;
  switch (topState(view.value)) {
    case 'connected':
      return 'none';
    case 'authenticated':
      // Its refresh outlived the token (a slow or hanging token endpoint, another process's
      // lease): calls get 401 until the new token arrives.
      return accessTokenPast(context, now) ? 'expired' : 'authenticated';
    case 'degraded':
      return 'retrying';
    case 'retrying':
      return context.oauth ? 'expired' : 'none';
    case 'loginRequired':
      return context.oauthError ? 'error' : 'login_required';
    case 'loggingIn':
      return 'login_required';
    default:
      return storedStatus(context, now);
  }
}

/**
 * Health of one upstream at `now` (SPEC §4). A store outage degrades an otherwise healthy OAuth
 * server: its tokens stay in use, but no refresh can be committed (SPEC §3b).
 */
export function healthOf(view: UpstreamView, now: number): Health {
  const health = stateHealth(view, now);
  if (view.context.storeAvailable === false && view.context.oauth && health.level === 'healthy') {
    return {
      level: 'degraded',
      summary: 'Token store unavailable',
      detail:
        'Tokens in memory stay in use; refreshed tokens are not used until the store answers again',
      action: 'view_logs',
    };
  }
  return health;
}

function stateHealth(view: UpstreamView, now: number): Health {
  const { context } = view;
  const path = statePath(view.value);
  const tools = `Connected (${context.tools.length} tools)`;
  switch (topState(view.value)) {
    case 'idle':
      return { level: 'healthy', summary: 'Disabled', detail: '', action: 'enable' };
    case 'connecting':
      // Refreshing here means the access token expired: calls wait for the new one.
      return {
        level: path.endsWith('refreshing') ? 'degraded' : 'healthy',
        summary: 'Connecting',
        detail: path.endsWith('refreshing') ? 'Refreshing the expired access token' : '',
        action: 'none',
      };
    case 'connected':
      return { level: 'healthy', summary: tools, detail: '', action: 'none' };
    case 'authenticated':
      return authenticatedHealth(view, now, tools);
    case 'degraded':
      return {
        level: 'degraded',
        summary: 'Token refresh pending',
        detail: path.endsWith('refreshing')
          ? `Refresh retry ${context.failures} in progress: ${context.lastError ?? ''}`
          : `Refresh retry ${context.failures} in ${secondsUntil(context.nextRetryAt, now)}s: ${context.lastError ?? ''}`,
        action: 'view_logs',
      };
    case 'retrying': {
      const expired = context.oauth && accessExpired(context.record, now);
      return {
        level: 'unhealthy',
        summary: expired ? 'Token expired' : failureSummary(context.lastError),
        detail: `Retry ${context.failures} in ${secondsUntil(context.nextRetryAt, now)}s: ${context.lastError ?? ''}`,
        action: context.oauth ? 'view_logs' : 'restart',
      };
    }
    case 'loginRequired':
      return {
        level: 'unhealthy',
        summary: 'Login required',
        detail: context.loginReason ?? 'Login required',
        action: 'login',
      };
    case 'loggingIn':
      return {
        level: 'degraded',
        summary: 'Login in progress',
        detail:
          `Waiting for browser login (correlation_id ${context.flow?.correlationId ?? ''})` +
          (context.session ? '; calls go on with the current token' : ''),
        action: 'none',
      };
    default:
      return { level: 'unhealthy', summary: 'Stopped', detail: '', action: 'restart' };
  }
}

/** Whether the held access token's expiry has passed. */
function accessTokenPast(context: UpstreamView['context'], now: number): boolean {
  const expiresAt = context.record?.tokens ? context.record.expires_at : null;
  return expiresAt !== null && expiresAt !== undefined && expiresAt <= now;
}

function authenticatedHealth(view: UpstreamView, now: number, tools: string): Health {
  const { context } = view;
  // During a store outage its health says so (healthOf): the outage is why no new token comes.
  if (context.storeAvailable !== false && accessTokenPast(context, now)) {
    const refreshing = statePath(view.value).endsWith('refreshing');
    return {
      level: 'degraded',
      summary: 'Token expired',
      detail: `Access token expired at ${iso(context.record!.expires_at!)}; ${refreshing ? 'the refresh is still running' : 'a refresh is due'} - calls fail until it succeeds`,
      action: 'none',
    };
  }
  const refreshExpiresAt = context.record?.refresh_expires_at ?? null;
  if (refreshExpiresAt !== null && refreshExpiresAt - now <= REFRESH_EXPIRY_WARNING_MS) {
    const hours = Math.max(0, Math.floor((refreshExpiresAt - now) / 3600_000));
    return {
      level: 'degraded',
      summary: `Login needed within ${hours} h`,
      detail: `Refresh token expires at ${iso(refreshExpiresAt)}`,
      action: 'login',
    };
  }
  if (context.stepUpScopes.length > 0) {
    return {
      level: 'degraded',
      summary: 'Additional scope required',
      detail: `The server asked for scope ${context.stepUpScopes.join(' ')}: log in again to grant it`,
      action: 'login',
    };
  }
  if (statePath(view.value).endsWith('refreshing')) {
    return {
      level: 'healthy',
      summary: tools,
      detail: 'Token refresh in progress',
      action: 'none',
    };
  }
  const at = refreshAt(context.record, context.settings.threshold, context.jitter);
  return {
    level: 'healthy',
    summary: tools,
    detail: at === null ? 'Token does not expire' : `Token refresh scheduled for ${iso(at)}`,
    action: 'none',
  };
}
