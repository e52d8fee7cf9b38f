/**
 * @module Request body size limit: larger bodies are refused with 413 before anything parses
 * them (declared `Content-Length` from the header, or counted while streaming).
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError } from '../errors.js';

export interface BodyLimitOptions {
  /** Largest accepted body in bytes (default 64 KiB). */
  maxBytes?: number;
}

/** Refuses bodies over `maxBytes` with a 413 error answer. */
export function bodyLimit(options: BodyLimitOptions = {}): MiddlewareHandler {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const limit = honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes);
    },
  });
  // Not async: an async middleware adds a promise of its own to every request.
  return function limitBody(c, next) {
    // A GET or HEAD request has no body (a web `Request` refuses one), and asking whether it has
    // one makes @hono/node-server build the full web `Request` of every REST read.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    // A declared length is checked from the header (Node's parser never delivers more than it
    // declares): asking for the body, as Hono's middleware does first, makes @hono/node-server
    // build the full web `Request` and its stream for every POST.
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (Number.isSafeInteger(declared) && c.req.header('transfer-encoding') === undefined) {
      if (declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
      return next();
    }
    return limit(c, next);
  };
}
