/**
 * @module The REST server view of SPEC §5 as a pure function of an upstream snapshot: what
 * `GET /api/v1/servers`, `upstream list -o json` and the page all show.
 */
import {
  healthOf,
  oauthStatusOf,
  statePath,
  type Health,
  type OAuthStatus,
  type UpstreamView,
} from './health.js';
import { refreshAt } from './timing.js';
import type { Protocol } from './upstream.types.js';

export interface ServerView {
  name: string;
  protocol: Protocol;
  url?: string;
  enabled: boolean;
  state: string;
  connected: boolean;
  tool_count: number;
  oauth_status: OAuthStatus;
  token_expires_at: string | null;
  health: Health;
  oauth: null | {
    expires_at: string | null;
    refresh_at: string | null;
    retry_count: number;
    next_retry_at: string | null;
    last_error: string | null;
    correlation_id: string | null;
  };
  last_error: string | null;
  /** Why the latest login that left the server on its stored tokens failed; null once one starts. */
  last_login_error: string | null;
}

const rfc3339 = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

/** Builds the server view of one upstream at `now`. */
export function serverView(view: UpstreamView, now: number): ServerView {
  const { context } = view;
  const path = statePath(view.value);
  const top = path.split('.')[0];
  const record = context.record;
  const expiresAt = record?.tokens ? rfc3339(record.expires_at) : null;
  return {
    name: context.entry.name,
    protocol: context.entry.protocol,
    ...(context.entry.url ? { url: context.entry.url } : {}),
    enabled: context.entry.enabled,
    state: path,
    connected: top === 'connected' || top === 'authenticated' || top === 'degraded',
    tool_count: context.tools.length,
    oauth_status: oauthStatusOf(view, now),
    token_expires_at: expiresAt,
    health: healthOf(view, now),
    oauth: context.oauth
      ? {
          expires_at: expiresAt,
          refresh_at: record?.tokens
            ? rfc3339(refreshAt(record, context.settings.threshold, context.jitter))
            : null,
          retry_count: context.failures,
          next_retry_at: rfc3339(context.nextRetryAt),
          last_error: context.lastError,
          correlation_id: context.flow?.correlationId ?? null,
        }
      : null,
    last_error: context.lastError ?? context.loginReason,
    last_login_error: context.loginError,
  };
}
