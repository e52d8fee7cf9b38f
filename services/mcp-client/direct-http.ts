/**
 * @module The Streamable HTTP transport of an upstream, with the hot path taken off web streams:
 * every single message (initialize, notifications, tools/list, tools/call …) is POSTed over
 * `node:http(s)` with a keep-alive agent, and its answer — JSON, or the request's SSE stream — is
 * read and parsed from the Node stream (no web `Request`/`Response`, `TextDecoderStream` or
 * `EventSourceParserStream` per message). The `Mcp-Session-Id` an answer carries becomes the
 * session's, as with the SDK transport. Headers, the bearer token, 401/403 reporting and the
 * answer size bound are the upstream fetch's (upstream-fetch.ts). The GET event stream is opened
 * the same way once the initialized notification is accepted, as the SDK transport does.
 * Everything else — batches, DELETE, redirects, resuming an SSE answer and reconnecting the event
 * stream after a drop — stays with the SDK transport this class extends.
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
import {
  JSONRPCMessageSchema,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import { AnswerTooLargeError, decodedBody } from '../oauth/index.js';
import { currentTrace } from './call-context.js';
import { SseParser, type SseEvent } from './sse-parser.js';
import { noteAuthAnswer, upstreamHeaders, type UpstreamFetchOptions } from './upstream-fetch.js';

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
  _startOrAuthSse(options: { resumptionToken?: string }): Promise<void>;
  _scheduleReconnection(options: { resumptionToken?: string }, attempt: number): void;
}

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
    this.getEvents().catch((error: unknown) => this.onerror?.(error as Error));
  }

  /**
   * GETs the event stream and follows it. A redirect is left to the SDK transport; 405 means the
   * server offers no stream; other errors fail with their status, as the SDK transport's do.
   */
  private async getEvents(): Promise<void> {
    const token = this.upstream.accessToken();
    const headers = this.headersOf([['accept', 'text/event-stream']], token);
    const response = await this.request('GET', null, headers);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      response.resume();
      return this.sdk._startOrAuthSse({ resumptionToken: undefined });
    }
    if (status < 200 || status >= 300) {
      response.resume();
      this.noteAuth(response, token);
      if (status === 405) return;
      throw new StreamableHTTPError(status, `Failed to open SSE stream: ${response.statusMessage}`);
    }
    let lastEventId: string | undefined;
    const parser = new SseParser(
      (event) => {
        if (event.id) lastEventId = event.id;
        this.deliver(event);
      },
      (ms) => void (this.sdk._serverRetryMs = ms),
    );
    const reconnect = () => {
      // As the SDK transport: the stream is reopened (from the last event id) unless closed.
      if (this.sdk._abortController?.signal.aborted !== false) return;
      this.sdk._scheduleReconnection({ resumptionToken: lastEventId }, 0);
    };
    const follow = (text: string) => parser.push(text);
    this.read(response, follow, Number.POSITIVE_INFINITY).then(reconnect, (error: unknown) => {
      if (this.sdk._abortController?.signal.aborted === false)
        this.onerror?.(new Error(`SSE stream disconnected: ${String(error)}`));
      reconnect();
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
    method: 'GET' | 'POST',
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

/**
 * Whether a message the client sends is a request (a method and an id), as the SDK transport
 * tells them apart — not through zod's request schema, a parse of the whole message.
 */
function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message && message.id !== undefined;
}

/** Whether a message the client sends is `notifications/initialized`. */
function isInitialized(message: JSONRPCMessage): boolean {
  return (
    'method' in message && !('id' in message) && message.method === 'notifications/initialized'
  );
}

/**
 * A received JSON-RPC message, validated as the SDK transport does — except that a plain result
 * response (the answer to nearly every call) is checked by hand: the client validates its result
 * with the request's own schema next, so zod's pass over the envelope union adds nothing.
 */
function messageOf(value: unknown): JSONRPCMessage {
  return isPlainResultResponse(value) ? value : JSONRPCMessageSchema.parse(value);
}

function isPlainResultResponse(value: unknown): value is JSONRPCResultResponse {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { jsonrpc, id, result } = value as Record<string, unknown>;
  return (
    Object.keys(value).length === 3 &&
    jsonrpc === '2.0' &&
    (typeof id === 'string' || Number.isSafeInteger(id)) &&
    typeof result === 'object' &&
    result !== null &&
    !Array.isArray(result)
  );
}
