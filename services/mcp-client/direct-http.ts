/**
 * @module The Streamable HTTP transport of an upstream, with the hot path taken off web streams:
 * every single message (initialize, notifications, tools/list, tools/call …) is POSTed over
 * `node:http(s)` with a keep-alive agent, and its answer — JSON, or the request's SSE stream — is
 * read and parsed from the Node stream (no web `Request`/`Response`, `TextDecoderStream` or
 * `EventSourceParserStream` per message). The `Mcp-Session-Id` an answer carries becomes the
 * session's, as with the SDK transport. Headers, the bearer token, 401/403 reporting and the
 * answer size bound are the upstream fetch's (upstream-fetch.ts). Everything else — the GET event
 * stream (opened once the initialized notification is accepted, as the SDK transport does),
 * batches, DELETE, redirects, resuming an SSE answer after a drop — stays with the SDK transport
 * this class extends.
 */
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createInflate } from 'node:zlib';
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
  isInitializedNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  JSONRPCMessageSchema,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import { AnswerTooLargeError } from '../oauth/index.js';
import { currentTrace } from './call-context.js';
import { SseParser } from './sse-parser.js';
import { noteAuthAnswer, upstreamHeaders, type UpstreamFetchOptions } from './upstream-fetch.js';

/** The transport's own headers of a POST (the SDK transport sends the same). */
const POST_HEADERS: Array<[string, string]> = [
  ['content-type', 'application/json'],
  ['accept', 'application/json, text/event-stream'],
  ['accept-encoding', 'gzip, deflate'],
];

/**
 * What the SDK transport keeps private but the direct path shares: the session id (set from an
 * answer's header) and the opener of the GET event stream.
 */
interface SdkTransportState {
  _sessionId?: string;
  _startOrAuthSse(options: { resumptionToken?: string }): Promise<void>;
}

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
        ? new HttpsAgent({ keepAlive: true })
        : new HttpAgent({ keepAlive: true });
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

  private async post(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const token = this.upstream.accessToken();
    const own: Array<[string, string]> = [...POST_HEADERS];
    if (this.sessionId) own.push(['mcp-session-id', this.sessionId]);
    if (this.protocolVersion) own.push(['mcp-protocol-version', this.protocolVersion]);
    const headers = upstreamHeaders(this.upstream.headers, own, token);
    const response = await this.request(JSON.stringify(message), headers);
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
      if (status === 401 || status === 403) {
        const www = response.headers['www-authenticate'];
        const answer = new Response(null, {
          status,
          headers: www === undefined ? undefined : { 'www-authenticate': www },
        });
        noteAuthAnswer(this.upstream, answer, token);
      }
      throw new StreamableHTTPError(status, `Error POSTing to endpoint: ${text}`);
    }
    if (status === 202 || !isJSONRPCRequest(message)) {
      response.resume();
      if (status === 202 && isInitializedNotification(message)) this.openEventStream();
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
    this.sdk
      ._startOrAuthSse({ resumptionToken: undefined })
      .catch((error: unknown) => this.onerror?.(error as Error));
  }

  /** Sends the POST; resolves with the answer once its headers arrived. */
  private request(body: string, headers: Record<string, string>): Promise<IncomingMessage> {
    const send = this.target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(this.target, {
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      this.inFlight.add(request);
      request.once('close', () => this.inFlight.delete(request));
      request.once('response', (response: IncomingMessage) => {
        // Errors of a body nobody reads (a 202, a redirect) must not throw; readers listen too.
        response.on('error', () => undefined);
        resolve(response);
      });
      request.on('error', reject);
      request.end(body);
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
      if (!event.data || (event.event && event.event !== 'message')) return;
      try {
        const received = messageOf(JSON.parse(event.data));
        if (isJSONRPCResultResponse(received)) answered = true;
        this.onmessage?.(received);
      } catch (error) {
        this.onerror?.(error as Error);
      }
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

  /** Feeds the decoded body to `onText` up to the size bound. */
  private read(response: IncomingMessage, onText: (text: string) => void): Promise<void> {
    const limit = this.upstream.maxBodyBytes;
    const body = decoded(response);
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

/** The body with its `Content-Encoding` (gzip, deflate) undone. */
function decoded(response: IncomingMessage): Readable {
  const encoding = response.headers['content-encoding'];
  if (encoding !== 'gzip' && encoding !== 'deflate') return response;
  const inflate = encoding === 'gzip' ? createGunzip() : createInflate();
  response.on('error', (error) => inflate.destroy(error));
  return response.pipe(inflate);
}
