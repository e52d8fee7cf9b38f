/**
 * @module The request log: one entry per request to the AS and the MCP endpoint (admin routes are
 * not logged), with fingerprints instead of secrets, plus the Hono middleware that records it.
 */
import type { MiddlewareHandler } from 'hono';
import type { FailMode } from './fail.js';

/** One request as the server saw it. Never holds a token, code or secret. */
export interface RequestLogEntry {
  /** Arrival time, ISO 8601 with milliseconds. */
  at: string;
  method: string;
  path: string;
  /** HTTP status answered; 0 while unanswered (hanging) or when the client left first. */
  status: number;
  duration_ms?: number;
  client_id?: string;
  /** Token endpoint: the grant_type of the request. */
  grant_type?: string;
  /** Token endpoint: sha256 prefix (12 hex) of the presented refresh token. */
  refresh_token_fp?: string;
  /** Token endpoint: the presented refresh token had already been rotated out (reuse). */
  reused_refresh_token?: boolean;
  /** Token endpoint: fingerprints of what a successful answer issued. */
  issued_access_token_fp?: string;
  issued_refresh_token_fp?: string;
  /** MCP endpoint: fingerprint of the bearer token presented. */
  access_token_fp?: string;
  /** MCP endpoint: JSON-RPC method(s) of a POST, e.g. `tools/call`. */
  mcp_method?: string;
  /** OAuth / bearer error code answered, e.g. `invalid_grant`, `invalid_token`. */
  error?: string;
  /** The fail mode injected into this request, if any. */
  injected?: FailMode;
}

/** Hono env of the app: the current request's log entry is a context variable. */
export type AppEnv = { Variables: { logEntry: RequestLogEntry; unanswered?: boolean } };

const MAX_ENTRIES = 10_000;

/** Ordered, bounded request log (oldest dropped past 10 000 entries). */
export class RequestLog {
  private entries: RequestLogEntry[] = [];

  /** `onDone` sees a copy of each entry once its request is answered. */
  constructor(private readonly onDone?: (entry: RequestLogEntry) => void) {}

  /** Called by the middleware when a request is answered (or given up). */
  done(entry: RequestLogEntry): void {
    this.onDone?.({ ...entry });
  }

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
  }

  /** Copies of the entries, oldest first. */
  list(): RequestLogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries = [];
  }
}

/** Middleware recording every non-admin request; handlers annotate `c.var.logEntry`. */
export function requestLogger(log: RequestLog): MiddlewareHandler<AppEnv> {
  return async function requestLogger(c, next) {
    const entry: RequestLogEntry = {
      at: new Date().toISOString(),
      method: c.req.method,
      path: c.req.path,
      status: 0,
    };
    c.set('logEntry', entry);
    if (c.req.path.startsWith('/__admin')) return next();
    log.add(entry);
    const started = performance.now();
    await next();
    entry.duration_ms = Math.round(performance.now() - started);
    entry.status = c.req.raw.signal.aborted || c.get('unanswered') ? 0 : c.res.status;
    log.done(entry);
  };
}
