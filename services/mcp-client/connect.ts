/**
 * @module Connecting to one upstream: the SDK `Client` over the entry's protocol (`auto` tries
 * Streamable HTTP, then SSE, as the SDK's backwards-compatibility example does), then the first
 * tool list, with list-change and close reporting wired to the actor.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ConnectInput, ConnectOutput } from '../../machines/upstream/upstream.types.js';
import type { ServiceLogger } from '../oauth/index.js';
import { splitScope } from '../oauth/index.js';
import { scrubError, upstreamScrubber } from './config-secrets.js';
import type { Scrub } from './config-secrets.js';
import { classifyConnectFailure } from './connect-errors.js';
import { EventStreamSessionLost } from './direct-http.js';
import { listAllTools } from './list-tools.js';
import { LazyAjvValidator } from './schema-validator.js';
import { createSession, MAX_RESULT_BYTES } from './session.js';
import { SessionLink } from './session-link.js';
import { httpTransport, stdioTransport } from './transports.js';
import type { HttpKind } from './transports.js';
import { createUpstreamFetch, type AuthAnswer } from './upstream-fetch.js';

/** Default bound on the MCP handshake and the first tool list. */
export const CONNECT_TIMEOUT_MS = 30_000;

/** Headroom of an answer's body over the result limit. */
const ENVELOPE_BYTES = 1024 * 1024;

export interface ConnectOptions {
  logger: ServiceLogger;
  signal?: AbortSignal;
  timeoutMs?: number;
  maxResultBytes?: number;
  callIdleTimeoutMs?: number;
  refreshWaitMs?: number;
  baseFetch?: FetchLike;
}

/** Connects, lists tools and answers the live session; throws a `ClassifiedFailure`. */
export async function connectUpstream(
  input: ConnectInput,
  options: ConnectOptions,
): Promise<ConnectOutput> {
  const { entry } = input;
  const logger = options.logger.child({ server: entry.name });
  const timeout = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const link = new SessionLink(input.notify, logger);
  const stderrTail: string[] = [];
  // The upstream's own text (stderr, error messages, error bodies) may repeat the env, headers
  // or client secret it was given: all of it goes through this before it is logged or kept.
  const scrub = upstreamScrubber(entry);
  const upstream = {
    headers: entry.headers,
    accessToken: input.accessToken,
    onAuthAnswer: (answer: AuthAnswer) => link.onAuthAnswer(answer),
    baseFetch: options.baseFetch,
    // The result limit plus room for the JSON-RPC envelope and SSE framing.
    maxBodyBytes: (options.maxResultBytes ?? MAX_RESULT_BYTES) + ENVELOPE_BYTES,
  };
  const upstreamFetch = createUpstreamFetch(upstream);
  const kinds: (HttpKind | 'stdio')[] =
    entry.protocol === 'stdio'
      ? ['stdio']
      : entry.protocol === 'auto'
        ? ['http', 'sse']
        : [entry.protocol];
  const classify = (error: unknown) =>
    classifyConnectFailure(error, {
      name: entry.name,
      oauthKnown:
        entry.oauth !== null || Boolean(input.record?.tokens || input.record?.registration),
      authAnswer: link.connectAnswer,
      timeoutMs: timeout,
      stderrTail,
      scrub,
    });

  for (const [index, kind] of kinds.entries()) {
    const transport =
      kind === 'stdio'
        ? stdioTransport(entry, logger, stderrTail, scrub, upstream.maxBodyBytes)
        : httpTransport(kind, entry.url ?? '', upstreamFetch, options.baseFetch ? null : upstream);
    const client = new Client(
      { name: 'mcpproxy', version: '0.1.0' },
      { jsonSchemaValidator: new LazyAjvValidator() },
    );
    const abort = () => void client.close().catch(() => undefined);
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      options.signal?.throwIfAborted();
      await client.connect(transport, { timeout, signal: options.signal });
      const onInvalid = (problem: string) => logger.warn({ problem }, 'invalid tool skipped');
      const tools = await listAllTools(client, { timeout, signal: options.signal, onInvalid });
      options.signal?.throwIfAborted();
      wire(client, transport, link, logger, input.notify, scrub);
      link.open();
      logger.debug({ transport: kind, tools: tools.length }, 'upstream connected');
      const session = createSession({
        serverName: entry.name,
        client,
        transport,
        link,
        grantedScopes: [
          ...(input.record?.scopes ?? []),
          ...splitScope(input.record?.tokens?.scope),
        ],
        maxResultBytes: options.maxResultBytes,
        callIdleTimeoutMs: options.callIdleTimeoutMs,
        accessToken: input.accessToken,
        refreshWaitMs: options.refreshWaitMs,
        scrub,
      });
      return { session, tools };
    } catch (error) {
      await client.close().catch(() => undefined);
      scrubError(error, scrub);
      const next = kinds[index + 1];
      if (next === 'sse' && mayFallBack(error, link)) {
        logger.debug({ error: describe(error) }, 'Streamable HTTP refused; trying SSE');
        continue;
      }
      throw classify(error);
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }
  throw classify(new Error('no transport to try'));
}

/** Falls back to SSE on a 4xx other than 401/403 (an older server refusing the POST). */
function mayFallBack(error: unknown, link: SessionLink): boolean {
  if (link.connectAnswer) return false;
  const status = error instanceof StreamableHTTPError ? (error.code ?? 0) : 0;
  return status >= 400 && status < 500;
}

/** Reports list changes and lost connections of an open session to the actor. */
function wire(
  client: Client,
  transport: Transport,
  link: SessionLink,
  logger: ServiceLogger,
  notify: ConnectInput['notify'],
  scrub: Scrub,
): void {
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    try {
      const onInvalid = (problem: string) => logger.warn({ problem }, 'invalid tool skipped');
      notify({ type: 'upstream.tools_changed', tools: await listAllTools(client, { onInvalid }) });
    } catch (error) {
      logger.warn(
        { error: describe(scrubError(error, scrub)) },
        'could not re-list tools after list_changed',
      );
    }
  });
  client.onclose = () => link.lost('the connection closed');
  client.onerror = (error) => {
    // A dropped SSE stream is the session itself for the SSE transport: reconnect.
    if (transport instanceof SSEClientTransport && error instanceof SseError) {
      link.lost(`the SSE stream failed (${error.code ?? 'no status'})`);
      return;
    }
    // The event stream's reconnection found the session gone (an upstream restart): a new
    // session is started at once, before a call meets the same answer.
    if (error instanceof EventStreamSessionLost) {
      link.lost(`the MCP session expired (HTTP ${error.code})`, { sessionExpired: true });
      return;
    }
    logger.debug({ error: describe(scrubError(error, scrub)) }, 'upstream transport error');
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error);
}
