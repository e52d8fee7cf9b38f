/**
 * @module The OAuth requests the SDK sends with `redirect: 'manual'` (discovery GETs, token and
 * registration POSTs), sent over `node:http(s)` on keep-alive agents instead of undici `fetch`:
 * no web `Request`/`Response`/stream per request; the answer is read whole, bounded, from the
 * Node stream. Failures look as `fetch`'s do (`TypeError('fetch failed')` with the socket error
 * as `cause`, the signal's reason on abort). Anything `fetch` would treat differently — another
 * redirect mode, a body that is not a string, form or bytes, another scheme — is left to it.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { RawHeaders, type AnswerHeaders } from './answer-headers.js';
import { decodedBody, type ReadBody } from './body-cap.js';

/** A request the direct path sends as `fetch` would. */
export interface DirectRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** The answer: its head at once, its body (whole, bounded) once it has arrived. */
export interface DirectAnswer {
  status: number;
  statusText: string;
  headers: AnswerHeaders;
  body: Promise<ReadBody>;
}

/**
 * Idle sockets are kept this long at most. Node applies a server's `Keep-Alive: timeout=N`
 * hint (less a second) only below an agent timeout, so one is needed for the hint to count.
 */
const IDLE_MS = 4_000;
const httpAgent = new HttpAgent({ keepAlive: true, timeout: IDLE_MS });
const httpsAgent = new HttpsAgent({ keepAlive: true, timeout: IDLE_MS });

/** Methods `fetch` upper-cases (Fetch standard: normalize a method). */
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
/** Errors of a kept-alive socket the server closed as the request went out. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE']);

/**
 * The request `url` + `init` as the direct path sends it, or null when `fetch` must send it
 * (it follows or refuses redirects itself, or has a body or URL the direct path does not take).
 */
export function directRequestOf(input: string | URL, init?: RequestInit): DirectRequest | null {
  if (init?.redirect !== 'manual' || !URL.canParse(String(input))) return null;
  const url = new URL(input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  const upper = (init.method ?? 'GET').toUpperCase();
  const method = NORMALIZED.has(upper) ? upper : (init.method ?? 'GET');
  const body = bodyOf(init.body);
  if (body === undefined || (body !== null && (method === 'GET' || method === 'HEAD'))) return null;
  const headers = headersOf(init.headers);
  if (body?.type && headers['content-type'] === undefined) headers['content-type'] = body.type;
  // What fetch sends unless told otherwise (it also decodes what it asks for).
  headers.accept ??= '*/*';
  headers['user-agent'] ??= 'node';
  headers['accept-encoding'] ??= 'gzip, deflate';
  if (body !== null) headers['content-length'] = String(body.bytes.byteLength);
  else if (method === 'POST' || method === 'PUT') headers['content-length'] = '0';
  return { url, method, headers, body: body?.bytes ?? null };
}

/**
 * Sends `request`; resolves once the answer's head has arrived. A GET whose kept-alive socket
 * turns out closed by the server is sent once more on a new one (as Node's docs advise).
 */
export function sendDirect(
  request: DirectRequest,
  signal: AbortSignal,
  limitBytes: number,
  retried = false,
): Promise<DirectAnswer> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  const https = request.url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const outgoing = (https ? httpsRequest : httpRequest)(request.url, {
      method: request.method,
      headers: request.headers,
      agent: https ? httpsAgent : httpAgent,
    });
    let responded = false;
    let fail = (reason: unknown) => reject(reason as Error);
    const onAbort = () => {
      outgoing.destroy();
      fail(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) return;
      const again =
        !retried &&
        !responded &&
        outgoing.reusedSocket &&
        (request.method === 'GET' || request.method === 'HEAD') &&
        STALE_SOCKET.has(error.code ?? '');
      signal.removeEventListener('abort', onAbort);
      if (again) resolve(sendDirect(request, signal, limitBytes, true));
      else fail(new TypeError('fetch failed', { cause: error }));
    });
    outgoing.once('response', (response: IncomingMessage) => {
      responded = true;
      const body = new Promise<ReadBody>((settle) => {
        const chunks: Buffer[] = [];
        let seen = 0;
        let settled = false;
        fail = (reason) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          if (reason !== null) response.destroy();
          settle(
            reason === TOO_LARGE
              ? { tooLarge: true }
              : reason === null
                ? { bytes: Buffer.concat(chunks, seen) }
                : { error: reason },
          );
        };
        if (Number(response.headers['content-length'] ?? Number.NaN) > limitBytes) {
          return fail(TOO_LARGE);
        }
        const stream = decodedBody(response);
        stream.on('data', (chunk: Buffer) => {
          seen += chunk.byteLength;
          if (seen > limitBytes) fail(TOO_LARGE);
          else chunks.push(chunk);
        });
        stream.once('end', () => fail(null));
        // As fetch's body stream: a connection lost mid-answer ends it with `terminated`.
        stream.on('error', (error) => fail(new TypeError('terminated', { cause: error })));
        response.once('close', () => {
          if (!response.complete) fail(new TypeError('terminated', { cause: closedEarly() }));
        });
      });
      resolve({
        status: response.statusCode ?? 0,
        statusText: response.statusMessage ?? '',
        headers: new RawHeaders(response.rawHeaders),
        body,
      });
    });
    outgoing.end(request.body ?? undefined);
  });
}

/** Marks a body cut off at the bound (`fail`'s reason, never thrown). */
const TOO_LARGE = Symbol('too large');

function closedEarly(): Error {
  return Object.assign(new Error('other side closed'), { code: 'ECONNRESET' });
}

/** A request body as bytes with the content type fetch gives it; undefined: not taken here. */
function bodyOf(body: RequestInit['body']): { bytes: Buffer; type?: string } | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string')
    return { bytes: Buffer.from(body), type: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) {
    return {
      bytes: Buffer.from(body.toString()),
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
    };
  }
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body) };
  if (ArrayBuffer.isView(body)) {
    return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  }
  return undefined;
}

/** Request headers (a record, `Headers` or pairs) with lower-case names, values as fetch joins them. */
function headersOf(init: HeadersInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const trimmed = String(value).trim();
    headers[key] = headers[key] === undefined ? trimmed : `${headers[key]}, ${trimmed}`;
  };
  if (init === undefined) return headers;
  if (init instanceof Headers) init.forEach((value, name) => add(name, value));
  else if (Array.isArray(init)) for (const [name, value] of init) add(name, value);
  else for (const [name, value] of Object.entries(init)) add(name, value);
  return headers;
}
