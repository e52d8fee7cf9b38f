/**
 * @module One interactive login (authorization code + PKCE S256 + state + RFC 9207 `iss`), the
 * same code for the login actor and the standalone CLI: discover, resolve the client, listen on
 * the loopback redirect URI, hand out the authorize URL, wait for the callback, exchange the code.
 */
import { randomBytes } from 'node:crypto';
import {
  exchangeAuthorization,
  startAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { emptyRecord, withTokens } from '../../machines/upstream/token-record.js';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { UpstreamEntry } from '../../machines/upstream/upstream.types.js';
import { OAuthFlowError } from '../errors.js';
import { listenForCallback } from './callback-server.js';
import { checkCallback } from './callback-check.js';
import { classifyOAuthFailure } from './classify.js';
import { resolveClient } from './client-info.js';
import { discover } from './discovery.js';
import { OAuthSetupError } from './oauth-errors.js';
import { createOAuthHttp } from './oauth-http.js';
import type { OAuthHttp } from './oauth-http.js';
import { probeChallenge } from './probe.js';
import { resolveCallbackTarget } from './redirect.js';
import { selectScopes, splitScope } from './scopes.js';
import type { ServiceLogger } from './service-logger.js';
import { tokenResponseOf } from './token-response.js';

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
    return await login(options, http);
  } catch (error) {
    throw loginFailure(entry.name, classifyOAuthFailure(error, http.last()));
  }
}

async function login(options: LoginFlowOptions, http: OAuthHttp): Promise<TokenRecord> {
  const { entry, signal } = options;
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
  signal?.throwIfAborted();
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
  });
  let record: TokenRecord = {
    ...base,
    registration: registered ?? base.registration,
    callback_port: target.pinned ? base.callback_port : target.port,
  };
  if (registered || target.chosenNow) options.onRegistered?.(record);

  const listener = await listenForCallback(entry.name, target, signal);
  try {
    const state = randomBytes(32).toString('base64url');
    const { authorizationUrl, codeVerifier } = await startAuthorization(
      discovery.authorizationServerUrl,
      {
        metadata: discovery.metadata,
        clientInformation: client,
        redirectUrl: target.redirectUri,
        scope,
        state,
        resource: discovery.resource,
      },
    );
    appendExtraParams(authorizationUrl, entry.oauth?.extra_params ?? {});
    options.onAuthUrl(authorizationUrl.href);
    const params = await listener.params;
    const problem = checkCallback(entry.name, params, state, discovery.metadata);
    if (problem) {
      listener.answer({ ok: false, message: problem.message });
      throw problem;
    }
    try {
      const tokens = await exchangeAuthorization(discovery.authorizationServerUrl, {
        metadata: discovery.metadata,
        clientInformation: client,
        authorizationCode: params.get('code')!,
        codeVerifier,
        redirectUri: target.redirectUri,
        resource: discovery.resource,
        fetchFn: http.fetchFor('Token endpoint'),
      });
      const arrived = http.last();
      const response = tokenResponseOf(tokens, arrived?.json, discovery.authorizationServerUrl);
      record = withTokens(record, response, arrived?.receivedAt ?? now());
      record = { ...record, scopes: response.scope ? splitScope(response.scope) : scopes };
    } catch (error) {
      const failure = classifyOAuthFailure(error, http.last());
      listener.answer({ ok: false, message: 'mcpproxy could not redeem the authorization code.' });
      throw failure;
    }
    listener.answer({ ok: true });
    return record;
  } finally {
    await listener.close();
  }
}

/** Adds `oauth.extra_params` (e.g. `audience`) without overriding what the protocol sets. */
function appendExtraParams(url: URL, extra: Record<string, string>): void {
  const reserved = [
    'response_type',
    'client_id',
    'redirect_uri',
    'code_challenge',
    'code_challenge_method',
    'state',
  ];
  for (const [key, value] of Object.entries(extra)) {
    if (!reserved.includes(key)) url.searchParams.set(key, value);
  }
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
  return failure instanceof OAuthSetupError
    ? new OAuthSetupError(message, { cause: failure, result: failure.result })
    : new OAuthFlowError(failure.result, message, {
        cause: failure,
        retryAfterMs: failure.retryAfterMs,
      });
}
