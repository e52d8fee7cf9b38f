/** @module The events of `GET /api/v1/events` (SPEC §5), and a small fan-out hub for them. */
import type { Health, OAuthStatus } from '../../machines/upstream/health.js';
import type { RefreshResult } from '../../machines/upstream/token-record.js';

interface Base {
  server: string;
  /** RFC 3339. */
  timestamp: string;
}

export type ProxyEvent =
  | (Base & { type: 'upstream.state'; state: string; health: Health; oauth_status: OAuthStatus })
  | (Base & { type: 'servers.changed'; servers: string[] })
  | (Base & {
      type: 'oauth.token_refreshed';
      expires_at: string | null;
      correlation_id: string | null;
    })
  | (Base & {
      type: 'oauth.refresh_failed';
      result: RefreshResult;
      error: string;
      retry_count: number;
      next_retry_at: string | null;
    })
  | (Base & { type: 'oauth.login_required'; reason: string });

export type ProxyEventType = ProxyEvent['type'];

/** Fan-out of events to subscribers (SSE connections, tests). Listener errors are contained. */
export class EventHub<T> {
  private listeners = new Set<(event: T) => void>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: T): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not stop the others or the actor that published.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
