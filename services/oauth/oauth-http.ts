/**
 * @module The `fetch` the SDK's OAuth functions get: a 30 s timeout combined with the caller's
 * signal, a record of every exchange (status, headers, parsed JSON) for classification, and a
 * debug log line per exchange (method, redacted URL, status, header names, body shape, timing).
 * Each answer's body is read once here, bounded, and handed to the SDK already read. The SDK's
 * requests go over node:http (direct-fetch.ts) unless a `fetchImpl` is injected; their 2xx
 * answers reach it as a `ReadAnswer` (read-answer.ts), not a web `Response`.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { redactString } from '../logger/redact-string.js';
import type { AnswerHeaders } from './answer-headers.js';
import { AnswerTooLargeError, readBody, type ReadBody } from './body-cap.js';
import { bodyShape, parseJson, requestBodyShape } from './body-shape.js';
import { directRequestOf, sendDirect } from './direct-fetch.js';
import { networkProblem } from './network-error.js';
import { asFetchResponse, NULL_BODY_STATUSES, ReadAnswer } from './read-answer.js';
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
  headers: AnswerHeaders | null;
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
  // An injected fetch (tests) sees every request; otherwise the SDK's go over node:http.
  const useDirect = options.fetchImpl === undefined;
  // The debug line's body shapes are only worked out when debug lines are written.
  const debug = options.logger.isLevelEnabled?.('debug') ?? true;
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
        const signal = AbortSignal.any(signals);
        // Without an injected fetch, what the SDK sends with `redirect: 'manual'` (all of its
        // OAuth requests) goes over node:http; anything else through fetch.
        const direct = useDirect ? directRequestOf(url, init) : null;
        let answer: AnswerHead;
        let body: ReadBody;
        if (direct) {
          const sent = await sendDirect(direct, signal, MAX_OAUTH_ANSWER_BYTES);
          answer = recordHead(exchange, sent);
          body = await sent.body;
        } else {
          const fetched = await baseFetch(url, { ...init, signal });
          answer = recordHead(exchange, fetched);
          body = await readBody(fetched, MAX_OAUTH_ANSWER_BYTES);
        }
        exchange.receivedAt = now();
        if ('tooLarge' in body) exchange.tooLarge = true;
        const text = inspect(body);
        if (text !== null) {
          exchange.json = parseJson(text);
          if (debug) shape = bodyShape(text, answer.headers.get('content-type'));
        }
        // What the SDK reads of a 2xx answer, without a `Response`; any other answer (the SDK's
        // `parseErrorResponse` wants an `instanceof Response`) or a failed body is one as before.
        if (direct && 'bytes' in body && answer.status >= 200 && answer.status < 300) {
          return asFetchResponse(
            new ReadAnswer(answer.status, answer.statusText, answer.headers, body.bytes),
          );
        }
        return answerWith(answer, body);
      } catch (error) {
        exchange.error = error;
        throw error;
      } finally {
        if (debug) {
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

/** The head of an answer: status and headers. */
interface AnswerHead {
  status: number;
  statusText: string;
  headers: AnswerHeaders;
}

/** Records the answer's status and headers in `exchange`; answers the head. */
function recordHead(exchange: HttpExchange, answer: AnswerHead): AnswerHead {
  exchange.status = answer.status;
  exchange.headers = answer.headers;
  return answer;
}

/** The body as text for the record; null when it is not worth reading or did not arrive. */
function inspect(body: ReadBody): string | null {
  if (!('bytes' in body) || body.bytes.byteLength > MAX_INSPECTED_BYTES) return null;
  return decoder.decode(body.bytes);
}

const decoder = new TextDecoder();

/**
 * The answer the SDK reads: the body already read, or one that fails when read as the original
 * would have (cut off past the limit, or the error that ended it).
 */
function answerWith(answer: AnswerHead, body: ReadBody): Response {
  const content =
    'bytes' in body
      ? body.bytes
      : new ReadableStream<Uint8Array>({
          start(controller) {
            controller.error(
              'tooLarge' in body ? new AnswerTooLargeError(MAX_OAUTH_ANSWER_BYTES) : body.error,
            );
          },
        });
  return new Response(NULL_BODY_STATUSES.has(answer.status) ? null : content, {
    status: answer.status,
    statusText: answer.statusText,
    headers: [...answer.headers],
  });
}

function headerNames(headers: HeadersInit | undefined): string[] | undefined {
  if (headers === undefined) return undefined;
  return [...new Headers(headers).keys()];
}

function describe(error: unknown): string {
  return networkProblem(error)?.text ?? (error instanceof Error ? error.name : 'error');
}
