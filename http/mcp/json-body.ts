/**
 * @module The JSON body of a `/mcp` POST. Served by @hono/node-server, a body of a declared
 * length (already checked against the limit by the body-limit middleware) is read from the Node
 * request itself: asking Hono for it makes @hono/node-server build a web `Request` and turn the
 * Node stream into a web stream, on every tool call. Anything else is read through Hono.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The parsed JSON body of `c`; throws as `c.req.json()` does when it is not JSON. */
export function jsonBody(c: Context): Promise<unknown> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (
    incoming === undefined ||
    incoming.readableDidRead ||
    !Number.isSafeInteger(declared) ||
    c.req.header('transfer-encoding') !== undefined
  ) {
    return c.req.json();
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('error', reject);
    incoming.once('end', () => {
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        // As fetch's body.json(): UTF-8, a byte order mark dropped.
        resolve(JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
      } catch (error) {
        reject(error);
      }
    });
  });
}
