/**
 * @module The Streamable HTTP transport of an upstream, with the hot path taken off web streams:
 * every single message (initialize, notifications, tools/list, tools/call …) is POSTed over
 * `node:http(s)` with a keep-alive agent, and its answer — JSON, or the request's SSE stream — is
 * read and parsed from the Node stream (no web `Request`/`Response`, `TextDecoderStream` or
 * `EventSourceParserStream` per message). The `Mcp-Session-Id` an answer carries becomes the
 * session's, as with the SDK transport. Headers, the bearer token, 401/403 reporting and the
 * answer size bound are the upstream fetch's (upstream-fetch.ts). Every GET event stream — the
 * one opened once the initialized notification is accepted, its reconnections, and the resumption
 * of a request's SSE answer — is opened the same way (it replaces the SDK transport's
 * `_startOrAuthSse`) and followed by event-stream.ts, on the SDK transport's reconnection
 * schedule; so is the DELETE that ends a session. Everything else — batches, redirects — stays
 * with the SDK transport this class extends.
 */
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mediaTypeEssence } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type {
  FetchLike,
  TransportSendOptions,
} from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { AnswerTooLargeError, decodedBody } from '../oauth/index.js';
import { currentTrace } from './call-context.js';
import { followEventStream, type EventStreamOptions } from './event-stream.js';
import { isInitialized, isRequest, messageOf } from './jsonrpc.js';
import { SseParser, type SseEvent } from './sse-parser.js';
import { noteAuthAnswer, upstreamHeaders, type UpstreamFetchOptions } from './upstream-fetch.js';

/**
 * The event stream of a session that had one was refused with 404 or 400 when it reconnected:
 * the upstream no longer knows the session (it restarted).
 */
export class EventStreamSessionLost extends StreamableHTTPError {}

/**
 * The HTTP status with which the upstream said it no longer knows the session, or null. The MCP
 * spec asks for 404; servers built on the SDK's example (a map of transports by session id)
 * answer 400 "No valid session ID provided" after a restart instead.
 */
export function sessionEnded(error: unknown): 404 | 400 | null {
  if (!(error instanceof StreamableHTTPError)) return null;
  if (error.code === 404) return 404;
  if (error.code !== 400) return null;
  return error instanceof EventStreamSessionLost ||
    /session|not initiali[sz]ed/i.test(error.message)
    ? 400
    : null;
}

/** The transport's own headers of a POST (the SDK transport sends the same). */
const POST_HEADERS: Array<[string, string]> = [
  ['content-type', 'application/json'],
  ['accept', 'application/json, text/event-stream'],
  ['accept-encoding', 'gzip, deflate'],
];

/**
 * What the SDK transport keeps private but the direct path shares: the session id (set from an
 * answer's header), the server's retry interval, the close signal, and the opener and reconnect
 * schedule of the GET event stream.
 */
interface SdkTransportState {
  _sessionId?: string;
  _serverRetryMs?: number;
  _abortController?: AbortController;
  _startOrAuthSse(options: EventStreamOptions): Promise<void>;
  _scheduleReconnection(options: EventStreamOptions, attempt: number): void;
}

/** The SDK transport's own GET opener (fetch and web streams), kept for redirects. */
const sdkStartOrAuthSse = (StreamableHTTPClientTransport.prototype as unknown as SdkTransportState)
  ._startOrAuthSse;

/**
 * How long an idle kept-alive socket to the upstream is kept. Node's agent honours a server's
 * `Keep-Alive: timeout=N` hint (closing the socket a second before the server would) only when
 * the agent has a timeout: without one, a call made as the server closes an idle socket (5 s for
 * a Node server) fails with ECONNRESET. Sockets in use are not affected (the GET event stream may
 * idle for longer: a timeout only notifies a request, and nothing here ends one for it).
 */
const IDLE_SOCKET_MS = 60_000;

/** Streamable HTTP transport whose single messages take the direct path. */
export class DirectHttpTransport extends StreamableHTTPClientTransport {
  private readonly target: URL;
  private readonly agent: HttpAgent;
  private readonly inFlight = new Set<ClientRequest>();
  /** Whether this session's event stream was open once (a later 404/400 means it is gone). */
  private streamOpened = false;

  constructor(
    url: URL,
    fetchFn: FetchLike,
    private readonly upstream: UpstreamFetchOptions & { maxBodyBytes: number },
  ) {
    super(url, { fetch: fetchFn });
    this.target = url;
    this.agent =
      url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS })
        : new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
    // The SDK transport opens every GET stream (first, reconnected, resumed) through this method.
    this.sdk._startOrAuthSse = (options) => this.startEventStream(options);
  }

  override async send(
    message: JSONRPCMessage | JSONRPCMessage[],
    options?: TransportSendOptions,
  ): Promise<void> {
    if (options?.resumptionToken || Array.isArray(message)) return super.send(message, options);
    try {
      await this.post(message, options);
    } catch (error) {
      this.onerror?.(error as Error);
      throw error;
    }
  }

  /**
   * Ends the session with a DELETE over the agent, as the SDK transport does over the fetch
   * (a 405: the server keeps sessions until they expire); a redirect is left to the SDK.
   */
  override async terminateSession(): Promise<void> {
    if (!this.sessionId) return;
    const redirected = await this.deleteSession().catch((error: unknown) => {
      this.onerror?.(error as Error);
      throw error;
    });
    if (redirected) await super.terminateSession();
  }

  /** The DELETE of `terminateSession`: true when answered with a redirect. */
  private async deleteSession(): Promise<boolean> {
    const token = this.upstream.accessToken();
    const response = await this.request('DELETE', null, this.headersOf([], token));
    response.resume();
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) return true;
    this.noteAuth(response, token);
    if ((status < 200 || status >= 300) && status !== 405) {
      throw new StreamableHTTPError(
        status,
        `Failed to terminate session: ${response.statusMessage}`,
      );
    }
    this.sdk._sessionId = undefined;
    return false;
  }

  override async close(): Promise<void> {
    for (const request of this.inFlight) request.destroy();
    this.agent.destroy();
    await super.close();
  }

  private get sdk(): SdkTransportState {
    return this as unknown as SdkTransportState;
  }

  /** The headers of one request: the session's and `own`, with the config headers and token. */
  private headersOf(own: Array<[string, string]>, token: string | null): Record<string, string> {
    const session: Array<[string, string]> = [...own];
    if (this.sessionId) session.push(['mcp-session-id', this.sessionId]);
    if (this.protocolVersion) session.push(['mcp-protocol-version', this.protocolVersion]);
    return upstreamHeaders(this.upstream.headers, session, token);
  }

  /** Reports a 401/403 answer to a request that carried `token`, as the upstream fetch does. */
  private noteAuth(response: IncomingMessage, token: string | null): void {
    const status = response.statusCode;
    if (status !== 401 && status !== 403) return;
    const www = response.headers['www-authenticate'];
    const answer = new Response(null, {
      status,
      headers: www === undefined ? undefined : { 'www-authenticate': www },
    });
    noteAuthAnswer(this.upstream, answer, token);
  }

  private async post(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const token = this.upstream.accessToken();
    const headers = this.headersOf(POST_HEADERS, token);
    const response = await this.request('POST', JSON.stringify(message), headers);
    const sessionId = response.headers['mcp-session-id'];
    if (typeof sessionId === 'string' && sessionId) this.sdk._sessionId = sessionId;
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      // The SDK transport follows a redirect within the origin: it sends the message again.
      response.resume();
      return super.send(message, options);
    }
    if (status < 200 || status >= 300) {
      const text = await this.readText(response).catch(() => null);
      this.noteAuth(response, token);
      throw new StreamableHTTPError(status, `Error POSTing to endpoint: ${text}`);
    }
    if (status === 202 || !isRequest(message)) {
      response.resume();
      if (status === 202 && isInitialized(message)) this.openEventStream();
      return;
    }
    const contentType = response.headers['content-type'];
    const type = mediaTypeEssence(contentType);
    if (type === 'text/event-stream') return this.readEvents(response, message, options);
    if (type === 'application/json') {
      const data: unknown = JSON.parse(await this.readText(response));
      for (const item of Array.isArray(data) ? data : [data]) this.onmessage?.(messageOf(item));
      return;
    }
    response.resume();
    throw new StreamableHTTPError(-1, `Unexpected content type: ${contentType}`);
  }

  /** Opens the GET event stream as the SDK transport does after `notifications/initialized`. */
  private openEventStream(): void {
    // A failure is reported (once) by startEventStream itself.
    this.startEventStream({}).catch(() => undefined);
  }

  /**
   * The SDK transport's `_startOrAuthSse` over node:http: GETs the event stream (from the
   * resumption token if given) and follows it. A redirect is left to the SDK transport; 405 means
   * the server offers no stream; other failures are reported and rejected, as the SDK's are.
   */
  private async startEventStream(options: EventStreamOptions): Promise<void> {
    const closed = () => this.sdk._abortController?.signal.aborted === true;
    if (closed()) return;
    const token = this.upstream.accessToken();
    const own: Array<[string, string]> = [
      ['accept', 'text/event-stream'],
      ['accept-encoding', 'gzip, deflate'],
    ];
    if (options.resumptionToken) own.push(['last-event-id', options.resumptionToken]);
    let response: IncomingMessage;
    try {
      response = await this.request('GET', null, this.headersOf(own, token));
    } catch (error) {
      if (closed()) return; // close() destroyed the request
      this.onerror?.(error as Error);
      throw error;
    }
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      response.resume();
      return sdkStartOrAuthSse.call(this, options);
    }
    if (status < 200 || status >= 300) {
      response.resume();
      this.noteAuth(response, token);
      if (status === 405) return;
      // Only a stream that worked before: a server refusing GET from the start (404 from a
      // router) would else have every new session replaced at once, in a loop.
      const Failure =
        this.streamOpened && (status === 404 || status === 400)
          ? EventStreamSessionLost
          : StreamableHTTPError;
      const error = new Failure(status, `Failed to open SSE stream: ${response.statusMessage}`);
      this.onerror?.(error);
      throw error;
    }
    this.streamOpened = true;
    followEventStream((onText) => this.read(response, onText, Number.POSITIVE_INFINITY), options, {
      onmessage: (message) => this.onmessage?.(message),
      onerror: (error) => this.onerror?.(error),
      onretry: (ms) => void (this.sdk._serverRetryMs = ms),
      isOpen: () => this.sdk._abortController?.signal.aborted === false,
      reconnect: (next) => this.sdk._scheduleReconnection(next, 0),
    });
  }

  /**
   * Hands an SSE event's message to the client as the SDK transport does (events named `message`
   * or unnamed, with data); answers it, or null for an event without one.
   */
  private deliver(event: SseEvent): JSONRPCMessage | null {
    if (!event.data || (event.event && event.event !== 'message')) return null;
    let received: JSONRPCMessage | null = null;
    try {
      received = messageOf(JSON.parse(event.data));
      this.onmessage?.(received);
    } catch (error) {
      this.onerror?.(error as Error);
    }
    return received;
  }

  /** Sends a request; resolves with the answer once its headers arrived. */
  private request(
    method: 'GET' | 'POST' | 'DELETE',
    body: string | null,
    headers: Record<string, string>,
  ): Promise<IncomingMessage> {
    const send = this.target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(this.target, {
        method,
        agent: this.agent,
        headers:
          body === null
            ? headers
            : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      this.inFlight.add(request);
      request.once('close', () => this.inFlight.delete(request));
      request.once('response', (response: IncomingMessage) => {
        // Errors of a body nobody reads (a 202, a redirect) must not throw; readers listen too.
        response.on('error', () => undefined);
        resolve(response);
      });
      request.on('error', reject);
      request.end(body ?? undefined);
    });
  }

  /** The decoded body as text, bounded (past the bound: the call fails as too large). */
  private readText(response: IncomingMessage): Promise<string> {
    let text = '';
    return this.read(response, (chunk) => void (text += chunk)).then(() => text);
  }

  /**
   * Reads the request's SSE stream, handing every message to the client as the SDK transport
   * does. When it ends (or breaks) before the result, a stream that gave event ids is resumed
   * by the SDK transport; otherwise the request fails at once.
   */
  private async readEvents(
    response: IncomingMessage,
    message: JSONRPCRequest,
    options?: TransportSendOptions,
  ): Promise<void> {
    let lastEventId: string | undefined;
    let answered = false;
    const parser = new SseParser((event) => {
      if (event.id) {
        lastEventId = event.id;
        options?.onresumptiontoken?.(event.id);
      }
      const received = this.deliver(event);
      if (received && 'result' in received) answered = true;
    });
    let failure: unknown = null;
    await this.read(response, (chunk) => parser.push(chunk)).catch((error: unknown) => {
      failure = error;
    });
    if (answered || failure instanceof AnswerTooLargeError) {
      if (failure) throw failure;
      return;
    }
    if (lastEventId !== undefined)
      return super.send(message, { ...options, resumptionToken: lastEventId });
    throw failure ?? new Error('the upstream ended its answer before the result');
  }

  /** Feeds the decoded body to `onText` up to the size bound (a POST answer's by default). */
  private read(
    response: IncomingMessage,
    onText: (text: string) => void,
    limit = this.upstream.maxBodyBytes,
  ): Promise<void> {
    const body = decodedBody(response);
    const decoder = new StringDecoder('utf8');
    return new Promise((resolve, reject) => {
      let seen = 0;
      const tooLarge = () => {
        const trace = currentTrace();
        if (trace) trace.tooLarge = true;
        response.destroy();
        reject(new AnswerTooLargeError(limit));
      };
      if (Number(response.headers['content-length'] ?? Number.NaN) > limit) return tooLarge();
      body.on('data', (chunk: Buffer) => {
        seen += chunk.byteLength;
        if (seen > limit) tooLarge();
        else onText(decoder.write(chunk));
      });
      body.once('end', () => {
        onText(decoder.end());
        resolve();
      });
      body.on('error', reject);
      response.once('close', () => {
        if (!response.complete) reject(new Error('the upstream closed the answer early'));
      });
    });
  }
}
