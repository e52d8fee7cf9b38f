/**
 * @module One interactive login, the same code for the login actor and the standalone CLI:
 * probe the server's challenge, discover, pick the redirect URI and scopes, resolve (or register)
 * the client, run the authorization code grant, and build the new record.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { emptyRecord, withTokens } from '../../machines/upstream/token-record.js';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { UpstreamEntry } from '../../machines/upstream/upstream.types.js';
import { OAuthFlowError } from '../errors.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { classifyOAuthFailure } from './classify.js';
import { resolveClient } from './client-info.js';
import { discover } from './discovery.js';
import { ClientRejectedError, OAuthSetupError } from './oauth-errors.js';
import { createOAuthHttp } from './oauth-http.js';
import type { OAuthHttp } from './oauth-http.js';
import { probeChallenge } from './probe.js';
import { resolveCallbackTarget } from './redirect.js';
import { selectScopes, splitScope } from './scopes.js';
import type { ServiceLogger } from './service-logger.js';

/** Inputs of {@link runLoginFlow}. */
export interface LoginFlowOptions {
  entry: UpstreamEntry;
  serverKey: string;
  record: TokenRecord | null;
  logger: ServiceLogger;
  correlationId: string;
  /** Called once with the URL the user must open. */
  onAuthUrl: (authUrl: string) => void;
  /** Called as soon as a new registration or callback port exists (persist it). */
  onRegistered?: (record: TokenRecord) => void;
  /** Scopes to add on top of the waterfall (step-up). */
  extraScopes?: string[];
  /** The stored registration's client_id the token endpoint rejected: register anew instead. */
  rejectedClientId?: string | null;
  signal?: AbortSignal;
  /** Per-request timeout of OAuth HTTP calls (default 30 s). */
  httpTimeoutMs?: number;
  fetchImpl?: FetchLike;
  now?: () => number;
}

/** Runs one login to completion; resolves with the new record, throws `OAuthFlowError`. */
export async function runLoginFlow(options: LoginFlowOptions): Promise<TokenRecord> {
  const { entry } = options;
  const logger = options.logger.child({
    server: entry.name,
    correlation_id: options.correlationId,
  });
  const http = createOAuthHttp({
    logger,
    signal: options.signal,
    timeoutMs: options.httpTimeoutMs,
    fetchImpl: options.fetchImpl,
    now: options.now,
  });
  try {
    return await login(options, http, logger);
  } catch (error) {
    if (options.signal?.aborted) {
      throw new OAuthFlowError('failed_other', `${entry.name}: the login was cancelled.`, {
        cause: error,
      });
    }
    throw loginFailure(entry.name, classifyOAuthFailure(error, http.last()));
  }
}

async function login(
  options: LoginFlowOptions,
  http: OAuthHttp,
  logger: ServiceLogger,
): Promise<TokenRecord> {
  const { entry } = options;
  const now = options.now ?? Date.now;
  if (!entry.url) {
    throw new OAuthSetupError(`${entry.name} has no URL: OAuth applies to HTTP servers only.`);
  }
  const challenge = await probeChallenge(entry.url, entry.headers, http);
  const discovery = await discover({
    serverName: entry.name,
    serverUrl: entry.url,
    http,
    challenge,
  });
  options.signal?.throwIfAborted();
  const base = options.record ?? emptyRecord(options.serverKey, entry.name, entry.url);
  const target = await resolveCallbackTarget(entry, base);
  const scopes = selectScopes({
    configured: entry.oauth?.scopes ?? [],
    challengeScope: discovery.challengeScope,
    supported: discovery.resourceMetadata?.scopes_supported,
    extra: options.extraScopes ?? [],
    granted: [...base.scopes, ...splitScope(base.tokens?.scope)],
  });
  const scope = scopes.length > 0 ? scopes.join(' ') : undefined;
  const { client, registered } = await resolveClient({
    entry,
    record: base,
    discovery,
    redirectUri: target.redirectUri,
    scope,
    http,
    now: now(),
    rejectedClientId: options.rejectedClientId,
  });
  const record: TokenRecord = {
    ...base,
    registration: registered ?? base.registration,
    callback_port: target.pinned ? base.callback_port : target.port,
  };
  if (registered || target.chosenNow) options.onRegistered?.(record);

  const issued = await authorizationCodeGrant({
    serverName: entry.name,
    discovery,
    client,
    target,
    scope,
    extraParams: entry.oauth?.extra_params ?? {},
    http,
    onAuthUrl: options.onAuthUrl,
    logger,
    signal: options.signal,
    now,
  });
  const granted = issued.response.scope ? splitScope(issued.response.scope) : scopes;
  // New tokens: a refused grant (and a rejected client) recorded for the old ones no longer
  // applies.
  return {
    ...withTokens(record, issued.response, issued.arrivedAt),
    scopes: granted,
    last_refresh: null,
  };
}

/**
 * A login failure names the server; one that is neither transient nor a dead grant is an OAuth
 * setup problem (oauth_status `error`).
 */
function loginFailure(name: string, failure: OAuthFlowError): OAuthFlowError {
  const message = failure.message.includes(name) ? failure.message : `${name}: ${failure.message}`;
  if (failure.result === 'failed_other' && !(failure instanceof OAuthSetupError)) {
    return new OAuthSetupError(message, { cause: failure });
  }
  if (message === failure.message) return failure;
  if (failure instanceof ClientRejectedError) {
    return new ClientRejectedError(message, { cause: failure });
  }
  return failure instanceof OAuthSetupError
    ? new OAuthSetupError(message, { cause: failure, result: failure.result })
    : new OAuthFlowError(failure.result, message, {
        cause: failure,
        retryAfterMs: failure.retryAfterMs,
      });
}
