/**
 * @module The `fetch` HTTP transports get instead of an `authProvider` (STACK pitfall 7): it adds
 * the config headers and `Authorization: Bearer <token>` read from the actor at request time, and
 * reports 401/403 answers — it never refreshes anything itself.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { capBody } from '../oauth/index.js';
import { currentTrace } from './call-context.js';

/** An authentication answer of the upstream. */
export interface AuthAnswer {
  status: 401 | 403;
  /** The access token the request carried (null: none). */
  token: string | null;
  error: string | null;
  scopes: string[];
  /** The challenge points to RFC 9728 metadata: the server speaks OAuth. */
  resourceMetadata: boolean;
}

export interface UpstreamFetchOptions {
  headers: Record<string, string>;
  accessToken: () => string | null;
  onAuthAnswer: (answer: AuthAnswer) => void;
  baseFetch?: FetchLike;
  /** Bound on the body of each POST answer (GET is the long-lived event stream). */
  maxBodyBytes?: number;
}

/**
 * The headers of one request: the config headers, then the transport's own (`own`), then
 * `Authorization: Bearer <token>`; names in lower case, later ones win.
 */
export function upstreamHeaders(
  config: Record<string, string>,
  own: Iterable<[string, string]>,
  token: string | null,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) headers[key.toLowerCase()] = value;
  for (const [key, value] of own) headers[key.toLowerCase()] = value;
  if (token) headers.authorization = `Bearer ${token}`;
  return headers;
}

/**
 * Notes a 401/403 answer to a request that carried `token`: in the trace of the call it belongs
 * to, and for the actor unless the token was replaced meanwhile (then it asks for nothing).
 */
export function noteAuthAnswer(
  options: UpstreamFetchOptions,
  response: Response,
  token: string | null,
): void {
  if (response.status !== 401 && response.status !== 403) return;
  const params = extractWWWAuthenticateParams(response);
  const answer: AuthAnswer = {
    status: response.status,
    token,
    error: params.error ?? null,
    scopes: (params.scope ?? '').split(/\s+/).filter(Boolean),
    resourceMetadata: params.resourceMetadataUrl !== undefined,
  };
  const stale = response.status === 401 && token !== null && options.accessToken() !== token;
  const trace = currentTrace();
  if (trace) {
    trace.status = response.status;
    trace.staleToken = stale;
    if (response.status === 401) trace.refusedToken = token;
    if (answer.error === 'insufficient_scope') trace.requiredScopes = answer.scopes;
  }
  if (!stale) options.onAuthAnswer(answer);
}

/** Creates the upstream fetch of one connection. */
export function createUpstreamFetch(options: UpstreamFetchOptions): FetchLike {
  const base: FetchLike = options.baseFetch ?? ((url, init) => fetch(url, init));
  const limit = options.maxBodyBytes;
  return async (url, init) => {
    const token = options.accessToken();
    const headers = upstreamHeaders(options.headers, new Headers(init?.headers), token);
    const trace = currentTrace();
    const post = limit !== undefined && (init?.method ?? 'GET').toUpperCase() === 'POST';
    // The transport hands every request its one long-lived signal. undici ties each request to
    // it with a listener that goes only when the request is garbage-collected, and scans all of
    // them on every request: a POST gets a signal of its own, unlinked once its answer is read.
    const link = post && init?.signal ? linkedSignal(init.signal) : null;
    let response: Response;
    try {
      response = await base(url, { ...init, headers, ...(link ? { signal: link.signal } : {}) });
    } catch (error) {
      link?.release();
      throw error;
    }
    if (post) {
      response = capBody(
        response,
        limit,
        () => {
          if (!trace) return;
          trace.tooLarge = true;
          trace.abort?.();
        },
        () => link?.release(),
      );
    }
    noteAuthAnswer(options, response, token);
    return response;
  };
}

/** A signal aborted with `outer`, and the function that unlinks it from `outer`. */
function linkedSignal(outer: AbortSignal): { signal: AbortSignal; release(): void } {
  const inner = new AbortController();
  if (outer.aborted) {
    inner.abort(outer.reason);
    return { signal: inner.signal, release: () => undefined };
  }
  const onAbort = () => inner.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  return { signal: inner.signal, release: () => outer.removeEventListener('abort', onAbort) };
}
