/**
 * @module The one place errors become HTTP answers: HTTP-only members of the `ProxyError` family,
 * `statusOf` (dispatch by `instanceof`), and the `{ error: { code, message } }` body.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  ProxyError,
  UnauthorizedError,
} from '../services/errors.js';
import type { Logger } from '../services/logger/index.js';
import { redactString } from '../services/logger/index.js';

/** The request's Host or Origin is not allowed (DNS-rebinding protection). HTTP 403. */
export class ForbiddenError extends ProxyError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** The request body is larger than the route accepts. HTTP 413. */
export class PayloadTooLargeError extends ProxyError {
  constructor(maxBytes?: number) {
    const limit = maxBytes === undefined ? 'the limit' : `${maxBytes} bytes`;
    super('payload_too_large', `Request body is larger than ${limit}.`);
  }
}

/** A login flow failed before it produced an authorization URL. HTTP 502. */
export class LoginFailedError extends ProxyError {
  constructor(message: string) {
    super('login_failed', message);
  }
}

/** A login flow produced no authorization URL in time (it keeps running). HTTP 504. */
export class LoginUrlTimeoutError extends ProxyError {
  constructor(message: string) {
    super('login_timeout', message);
  }
}

/** The error body every failing route answers. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** HTTP status of a `ProxyError`; anything else is a 500. */
export function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof BadRequestError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof LoginFailedError) return 502;
  if (error instanceof LoginUrlTimeoutError) return 504;
  return 500;
}

/** Builds the error body (messages are scrubbed of secrets; unknown errors say nothing inside). */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof ProxyError) {
    return { error: { code: error.code, message: redactString(error.message) } };
  }
  return { error: { code: 'internal_error', message: 'Internal error: see the proxy log.' } };
}

/** Answers `error` as JSON; a `ProxyError` with its status, anything else 500 (and logged). */
export function errorResponse(c: Context, error: unknown, logger?: Logger): Response {
  if (error instanceof HTTPException && !(error.cause instanceof ProxyError)) {
    return errorResponse(c, httpExceptionError(error), logger);
  }
  const status = statusOf(error);
  if (status === 500) logger?.error({ err: error, path: c.req.path }, 'request failed');
  return c.json(errorBody(error), status);
}

/** Hono's own exceptions (e.g. a malformed body it rejected) in the family's terms. */
function httpExceptionError(error: HTTPException): ProxyError {
  const message = error.message || 'Bad request';
  switch (error.status) {
    case 400:
      return new BadRequestError(message);
    case 401:
      return new UnauthorizedError();
    case 404:
      return new NotFoundError(message);
    case 413:
      return new PayloadTooLargeError();
    default:
      return new ProxyError('internal_error', 'Internal error: see the proxy log.');
  }
}

/** `app.onError` handler. */
export function onError(logger: Logger) {
  return function handleError(error: Error, c: Context): Response {
    return errorResponse(c, error, logger);
  };
}

/** `app.notFound` handler: unknown routes are a JSON 404 too. */
export function notFound(c: Context): Response {
  return c.json(errorBody(new NotFoundError(`No route for ${c.req.method} ${c.req.path}.`)), 404);
}
