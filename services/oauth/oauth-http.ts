/**
 * @module The `fetch` the SDK's OAuth functions get: a 30 s timeout combined with the caller's
 * signal, a record of every exchange (status, headers, parsed JSON) for classification, and a
 * debug log line per exchange (method, redacted URL, status, header names, body shape, timing).
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { redactString } from '../logger/redact-string.js';
import { capBody } from './body-cap.js';
import { bodyShape, parseJson, requestBodyShape } from './body-shape.js';
import { networkProblem } from './network-error.js';
import type { ServiceLogger } from './service-logger.js';

/** Default time an OAuth HTTP request may take, headers and body (SPEC §3). */
export const OAUTH_HTTP_TIMEOUT_MS = 30_000;

/** Bodies larger than this are not inspected (discovery and token answers are small). */
const MAX_INSPECTED_BYTES = 256 * 1024;

/** Bodies larger than this are cut off: no OAuth answer comes near it. */
export const MAX_OAUTH_ANSWER_BYTES = 1024 * 1024;

/** One request and what came back. Held in memory only; `json` may contain secrets. */
export interface HttpExchange {
  /** What was asked, in words: `Token endpoint`, `Registration endpoint` … */
  label: string;
  method: string;
  url: string;
  status: number | null;
  headers: Headers | null;
  /** The parsed JSON body, when the answer was JSON. */
  json: unknown;
  /** Network-level failure (refused, DNS, timeout …), when no answer came. */
  error: unknown;
  /** Client clock when the answer's body had arrived. */
  receivedAt: number | null;
  timeoutMs: number;
  /** The body went past {@link MAX_OAUTH_ANSWER_BYTES} and was cut off. */
  tooLarge?: boolean;
}

export interface OAuthHttpOptions {
  logger: ServiceLogger;
  signal?: AbortSignal;
  timeoutMs?: number;
  fetchImpl?: FetchLike;
  now?: () => number;
}

/** A recorder of one flow's OAuth HTTP exchanges. */
export interface OAuthHttp {
  /** A fetch for the SDK, labelling what it is used for. */
  fetchFor(label: string): FetchLike;
  /** The most recent exchange (the one an SDK error is about). */
  last(): HttpExchange | null;
  /** The most recent exchange that failed at the network level. */
  lastNetworkFailure(): HttpExchange | null;
  readonly timeoutMs: number;
}

/** Creates the recorder for one flow (login or refresh). */
export function createOAuthHttp(options: OAuthHttpOptions): OAuthHttp {
  const timeoutMs = options.timeoutMs ?? OAUTH_HTTP_TIMEOUT_MS;
  const baseFetch: FetchLike = options.fetchImpl ?? ((url, init) => fetch(url, init));
  const now = options.now ?? Date.now;
  const exchanges: HttpExchange[] = [];

  const fetchFor =
    (label: string): FetchLike =>
    async (url, init) => {
      const signals = [AbortSignal.timeout(timeoutMs)];
      if (options.signal) signals.push(options.signal);
      if (init?.signal) signals.push(init.signal);
      const exchange: HttpExchange = {
        label,
        method: init?.method ?? 'GET',
        url: String(url),
        status: null,
        headers: null,
        json: undefined,
        error: undefined,
        receivedAt: null,
        timeoutMs,
      };
      exchanges.push(exchange);
      const started = now();
      let shape: unknown;
      try {
        const response = capBody(
          await baseFetch(url, { ...init, signal: AbortSignal.any(signals) }),
          MAX_OAUTH_ANSWER_BYTES,
          () => (exchange.tooLarge = true),
        );
        exchange.status = response.status;
        exchange.headers = response.headers;
        const text = await inspect(response);
        exchange.receivedAt = now();
        if (text !== null) {
          exchange.json = parseJson(text);
          shape = bodyShape(text, response.headers.get('content-type'));
        }
        return response;
      } catch (error) {
        exchange.error = error;
        throw error;
      } finally {
        options.logger.debug(
          {
            http: {
              label,
              method: exchange.method,
              url: redactString(exchange.url),
              request_headers: headerNames(init?.headers),
              request_body: requestBodyShape(init?.body),
              status: exchange.status,
              response_headers: exchange.headers ? [...exchange.headers.keys()] : undefined,
              response_body: shape,
              error: exchange.error === undefined ? undefined : describe(exchange.error),
            },
            duration_ms: now() - started,
          },
          'OAuth HTTP exchange',
        );
      }
    };

  return {
    fetchFor,
    last: () => exchanges.at(-1) ?? null,
    lastNetworkFailure: () => {
      for (let i = exchanges.length - 1; i >= 0; i -= 1) {
        if (networkProblem(exchanges[i].error) !== null) return exchanges[i];
      }
      return null;
    },
    timeoutMs,
  };
}

/** Reads a copy of the body (the SDK reads the original); null when it is not worth reading. */
async function inspect(response: Response): Promise<string | null> {
  if (response.body === null) return '';
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_INSPECTED_BYTES) return null;
  try {
    const text = await response.clone().text();
    return text.length > MAX_INSPECTED_BYTES ? null : text;
  } catch {
    return null;
  }
}

function headerNames(headers: HeadersInit | undefined): string[] | undefined {
  if (headers === undefined) return undefined;
  return [...new Headers(headers).keys()];
}

function describe(error: unknown): string {
  return networkProblem(error)?.text ?? (error instanceof Error ? error.name : 'error');
}
