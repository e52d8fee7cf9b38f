/**
 * @module The one error family: `ProxyError` with a string `code`, a subclass per failure.
 * HTTP status and CLI exit codes are mapped from these in one place each (http/, cli/).
 */
import type { RefreshResult } from '../machines/upstream/token-record.js';

/** Base class: `code` is stable (API `error.code`), `message` is a sentence for users. */
export class ProxyError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Invalid configuration: names the file, the entry and the field. Exit 2. */
export class ConfigError extends ProxyError {
  constructor(message: string) {
    super('config_invalid', message);
  }
}

/** Bad command-line usage. Exit 2. */
export class UsageError extends ProxyError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** Bad request input (REST body, params). HTTP 400. */
export class BadRequestError extends ProxyError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

/** Unknown server name. HTTP 404. */
export class NotFoundError extends ProxyError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** A request that conflicts with the server's state. HTTP 409. */
export class ConflictError extends ProxyError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** Missing or wrong API key. HTTP 401. */
export class UnauthorizedError extends ProxyError {
  constructor(message = 'Missing or invalid API key: send it in the X-API-Key header.') {
    super('unauthorized', message);
  }
}

/** The token store cannot be opened or written. Exit 1. */
export class StoreError extends ProxyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unavailable', message, options);
  }
}

/** A stored record exists but cannot be decoded (corrupt, wrong key). */
export class RecordCorruptError extends ProxyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('record_corrupt', message, options);
  }
}

/** The server needs an interactive login. */
export class LoginRequiredError extends ProxyError {
  constructor(message: string) {
    super('login_required', message);
  }
}

/** The upstream cannot be reached or used right now. */
export class UpstreamUnavailableError extends ProxyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('upstream_unavailable', message, options);
  }
}

/** The upstream answered 401 (token rejected). */
export class UpstreamUnauthorizedError extends ProxyError {
  readonly wwwAuthenticate: string | null;
  constructor(message: string, wwwAuthenticate: string | null = null) {
    super('upstream_unauthorized', message);
    this.wwwAuthenticate = wwwAuthenticate;
  }
}

/** The upstream answered 403 insufficient_scope. */
export class InsufficientScopeError extends ProxyError {
  readonly scopes: string[];
  constructor(message: string, scopes: string[]) {
    super('insufficient_scope', message);
    this.scopes = scopes;
  }
}

/**
 * A failed OAuth call (refresh, exchange, discovery, registration), classified once by
 * `classifyOAuthFailure` into the `result` of SPEC §3's table.
 */
export class OAuthFlowError extends ProxyError {
  readonly result: RefreshResult;
  readonly retryAfterMs: number | null;
  constructor(
    result: RefreshResult,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number | null },
  ) {
    super(`oauth_${result}`, message, options);
    this.result = result;
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }
}
