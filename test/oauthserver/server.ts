/**
 * @module Starting and stopping the OAuth test server: binds a loopback port (0 = ephemeral),
 * builds the app for its URLs, and exposes the programmatic API tests use.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { createOAuthTestApp } from './app.js';
import { serverUrls } from './context.js';
import type { ServerContext } from './context.js';
import { FailSwitch } from './fail.js';
import type { FailConfig, FailStatus } from './fail.js';
import { RequestLog } from './log.js';
import type { AppEnv, RequestLogEntry } from './log.js';
import { McpSessions } from './mcp.js';
import { resolveOptions } from './options.js';
import type { OAuthTestServerOptions, ResolvedOptions } from './options.js';
import { registerClient, registrationResponse } from './register.js';
import { AuthStore } from './state.js';
import { loadAuthStore, saveAuthStore } from './state-file.js';
import type { GrantView } from './state.js';

/** A running OAuth test server. */
export interface OAuthTestServer {
  /** Base URL, e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  /** The issuer (equal to `url`). */
  readonly issuer: string;
  /** The protected MCP endpoint, `${url}/mcp`. */
  readonly mcpUrl: string;
  /** `${url}/.well-known/oauth-protected-resource/mcp` */
  readonly resourceMetadataUrl: string;
  readonly port: number;
  readonly options: Readonly<ResolvedOptions>;
  /** Switches error injection (validated; throws on a bad config); `{ mode: 'none' }` heals. */
  setFail(config: FailConfig): void;
  /** The active fail configuration with its counters. */
  failStatus(): FailStatus;
  /** Copies of the request-log entries, oldest first. */
  log(): RequestLogEntry[];
  clearLog(): void;
  /** Grants with their live token counts (no token values). */
  grants(): GrantView[];
  /** Revokes every grant; answers how many were live. */
  revokeAll(): number;
  /** Makes issued tokens expire now (default: access tokens). */
  expireTokens(kind?: 'access' | 'refresh' | 'all'): void;
  /**
   * Forgets every registered client, or only `clientId` (as an AS database reset would): their
   * grants are revoked and the token endpoint answers `invalid_client`. Answers the forgotten ids.
   */
  forgetClients(clientId?: string): string[];
  /** Registers a client directly (as pre-registration would); answers the RFC 7591 response. */
  registerClient(metadata: Record<string, unknown>): Record<string, unknown>;
  /** Closes all MCP sessions; their clients get 404 and must initialize again. */
  closeSessions(): Promise<number>;
  /** Closes the listener and every socket (hanging ones too); idempotent. */
  stop(): Promise<void>;
}

/** Where the auth state survives a restart (see state-file.ts); without it, memory only. */
export interface StateFileOption {
  stateFile?: string;
}

/** Starts an OAuth test server; rejects on bad options or when the port cannot be bound. */
export async function startOAuthTestServer(
  options: OAuthTestServerOptions & StateFileOption = {},
): Promise<OAuthTestServer> {
  const resolved = resolveOptions(options);
  let app: Hono<AppEnv> | undefined;
  const server = serve({
    fetch: (request, env) => app!.fetch(request, env),
    port: resolved.port,
    hostname: resolved.host,
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const stopController = new AbortController();
  const urls = serverUrls(resolved.host, port);
  const { stateFile } = options;
  const store = stateFile ? loadAuthStore(stateFile) : new AuthStore();
  // Saved before the answer leaves: a client never holds a token the restarted server forgot.
  const onRequest = stateFile
    ? (entry: RequestLogEntry) => {
        saveAuthStore(stateFile, store);
        options.onRequest?.(entry);
      }
    : options.onRequest;
  const ctx: ServerContext = {
    options: resolved,
    urls,
    store,
    fail: new FailSwitch(resolved.fail),
    log: new RequestLog(onRequest),
    stopSignal: stopController.signal,
    now: Date.now,
  };
  const sessions = new McpSessions();
  app = createOAuthTestApp(ctx, sessions);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Sockets first, so a hanging request ends without an answer reaching the client.
      server.closeAllConnections();
      stopController.abort();
      await sessions.closeAll();
      await closed;
      if (stateFile) saveAuthStore(stateFile, store);
    })());

  return {
    url: urls.url,
    issuer: urls.issuer,
    mcpUrl: urls.mcpUrl,
    resourceMetadataUrl: urls.resourceMetadataUrl,
    port,
    options: resolved,
    setFail: (config) => ctx.fail.set(config),
    failStatus: () => ctx.fail.status(),
    log: () => ctx.log.list(),
    clearLog: () => ctx.log.clear(),
    grants: () => ctx.store.grantViews(ctx.now()),
    revokeAll: () => ctx.store.revokeAll('revoked by admin', ctx.now()),
    expireTokens: (kind = 'access') => ctx.store.expire(kind, ctx.now()),
    forgetClients: (clientId) => ctx.store.forgetClients(clientId, ctx.now()),
    registerClient: (metadata) => registrationResponse(registerClient(ctx, metadata)),
    closeSessions: () => sessions.closeAll(),
    stop,
  };
}
