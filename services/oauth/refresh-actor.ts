/**
 * @module The `refresh` actor: redeems the record's refresh token once (the machine is the only
 * refresher), after a cross-process check, and turns a lost race into an adoption, not a login.
 */
import { fromPromise } from 'xstate';
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { deadGrantOf, withTokens } from '../../machines/upstream/token-record.js';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { RefreshInput, RefreshOutput } from '../../machines/upstream/upstream.types.js';
import { OAuthFlowError } from '../errors.js';
import { classifyOAuthFailure } from './classify.js';
import { existingClient } from './client-info.js';
import { createDiscoveryCache } from './discovery-cache.js';
import { createOAuthHttp } from './oauth-http.js';
import type { ServiceLogger } from './service-logger.js';
import { hasUsableAccessToken, tokenResponseOf } from './token-response.js';

/** A per-issuer request budget (services/runtime/as-budget.ts); queues, never fails. */
export interface RefreshBudget {
  take(issuer: string, signal?: AbortSignal, urgency?: number): Promise<number>;
}

/**
 * What a refresh may do: adopt a newer committed record (no lease is held), or redeem the
 * refresh token of `redeem` (the newest stored record; null: none) while this process holds
 * the cross-process lease.
 */
export type RedeemDecision = { adopt: TokenRecord } | { redeem: TokenRecord | null };

/** What the refresh actor needs from its host. */
export interface RefreshActorDeps {
  logger: ServiceLogger;
  /**
   * The token-endpoint budget shared by servers of one authorization server (SPEC §3a), awaited
   * before the cross-process lease is taken, so no lease is held while queueing.
   */
  budget?: RefreshBudget;
  /**
   * Before redeeming: take the cross-process lease and answer a newer committed record, if any
   * (null: go ahead with the input record). Gets the input record's generation, so a lease
   * taken only to find a newer usable record can be released at once.
   */
  beforeRedeem?: (
    serverKey: string,
    signal?: AbortSignal,
    knownGeneration?: number,
  ) => Promise<TokenRecord | null>;
  /**
   * Preferred over `beforeRedeem`: take the cross-process lease and decide — adopt a newer
   * committed record (redeem nothing), or redeem the newest stored record's refresh token while
   * holding the lease.
   */
  prepareRedeem?: (
    serverKey: string,
    signal?: AbortSignal,
    knownGeneration?: number,
  ) => Promise<RedeemDecision>;
  /**
   * While the token request is in flight: keep the lease alive (the answer stops it, before any
   * commit). Only called when this process holds the lease.
   */
  holdLease?: (serverKey: string) => () => Promise<void>;
  /** A cancelled attempt that held the lease gives it up (nothing of it will be committed). */
  releaseLease?: (serverKey: string) => Promise<void>;
  /**
   * An attempt cancelled after its refresh token was sent: the answer is still awaited (it may
   * hold the only copy of a rotated refresh token) and stored; the lease is held until then.
   */
  settleLate?: (serverKey: string, late: LateAnswer, stopHolding?: () => Promise<void>) => void;
  /** After `invalid_grant`: re-read the store; a newer generation means a lost race. */
  onInvalidGrant?: (serverKey: string) => Promise<TokenRecord | null>;
  httpTimeoutMs?: number;
  /** How long discovery results are reused across refreshes (default 15 min). */
  discoveryTtlMs?: number;
  fetchImpl?: FetchLike;
  now?: () => number;
}

/**
 * The budget key of a refresh: the issuer the tokens came from, else the server URL's origin (a
 * record written before mcpproxy stored issuers).
 */
export function budgetKeyOf(issuer: string | null, serverUrl: string | null): string {
  if (issuer) return issuer.replace(/\/+$/, '');
  if (serverUrl && URL.canParse(serverUrl)) return new URL(serverUrl).origin;
  return 'unknown-issuer';
}

/** What a cancelled attempt's token request still brings: the record to store, on the base it redeemed. */
export type LateAnswer = Promise<{ record: TokenRecord; expectedGeneration: number }>;

/** `work`, or a rejection with `signal`'s reason as soon as it aborts (`work` goes on). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

/** Creates the `refresh` actor logic; throws classified `OAuthFlowError`s. */
export function createRefreshActor(deps: RefreshActorDeps) {
  const now = deps.now ?? Date.now;
  const discoveries = createDiscoveryCache(deps.discoveryTtlMs, now);
  return fromPromise<RefreshOutput, RefreshInput>(async ({ input, signal }) => {
    const { entry, serverKey } = input;
    const logger = deps.logger.child({ server: entry.name, correlation_id: input.correlationId });
    const newer = (candidate: TokenRecord | null) =>
      candidate !== null && candidate.generation > input.record.generation ? candidate : null;

    if (deps.budget) {
      const issuer = budgetKeyOf(input.record.issuer, entry.url);
      // Queued refreshes go out in order of their access tokens' expiry (most urgent first).
      const waited = await deps.budget.take(issuer, signal, input.record.expires_at ?? Infinity);
      if (waited > 0) {
        logger.info(
          { issuer, delay_ms: waited },
          'Waited for the authorization server request budget',
        );
      }
    }
    let current: TokenRecord | null;
    if (deps.prepareRedeem) {
      // The coordinator decides with the lease in hand: re-judging its answer here, a moment
      // later, could redeem a refresh token without the lease.
      const decision = await deps.prepareRedeem(serverKey, signal, input.record.generation);
      if ('adopt' in decision) return { kind: 'adopted', record: decision.adopt };
      current = newer(decision.redeem);
    } else {
      current = newer(
        (await deps.beforeRedeem?.(serverKey, signal, input.record.generation)) ?? null,
      );
      if (current && hasUsableAccessToken(current, now()))
        return { kind: 'adopted', record: current };
    }
    // Logged out by another process since this refresh was planned (the machine parks it as a
    // logout), or its refresh token refused there (noted beside it; the machine parks with that
    // reason): nothing to redeem.
    if (current && (!current.tokens || deadGrantOf(current) !== null))
      return { kind: 'adopted', record: current };
    // A newer record without a usable access token still carries the live refresh token.
    const base = current ?? input.record;
    const refreshToken = base.tokens?.refresh_token;
    const client = existingClient(entry, base);
    const missing = !entry.url
      ? 'The server has no URL to refresh a token for'
      : !refreshToken
        ? 'No refresh token is stored'
        : !client
          ? 'No OAuth client registration is stored'
          : null;
    if (missing || !entry.url || !refreshToken || !client) {
      throw new OAuthFlowError('failed_invalid_grant', missing ?? 'Cannot refresh');
    }
    const http = createOAuthHttp({
      logger,
      signal,
      timeoutMs: deps.httpTimeoutMs,
      fetchImpl: deps.fetchImpl,
      now,
    });
    // With someone to store a late answer (`settleLate`), the token request is not aborted with
    // the attempt: once the refresh token is sent, the answer may hold the only copy of its
    // rotated successor (bounded by the HTTP timeout).
    const tokenHttp = createOAuthHttp({
      logger,
      signal: deps.settleLate ? undefined : signal,
      timeoutMs: deps.httpTimeoutMs,
      fetchImpl: deps.fetchImpl,
      now,
    });
    const stopHolding = deps.holdLease?.(serverKey);
    let redeeming: Promise<TokenRecord> | null = null;
    let handedOver = false;
    try {
      const discovery = await discoveries.get(serverKey, () =>
        discoveries.discover(entry.name, entry.url!, http, base.issuer),
      );
      signal.throwIfAborted();
      redeeming = refreshAuthorization(discovery.authorizationServerUrl, {
        metadata: discovery.metadata,
        clientInformation: client,
        refreshToken,
        resource: discovery.resource,
        fetchFn: tokenHttp.fetchFor('Token endpoint'),
      }).then((tokens) => {
        const arrived = tokenHttp.last();
        const response = tokenResponseOf(tokens, arrived?.json, discovery.authorizationServerUrl);
        return withTokens(base, response, arrived?.receivedAt ?? now());
      });
      const record = await untilAborted(redeeming, signal);
      return { kind: 'issued', record, redeemedGeneration: base.generation };
    } catch (error) {
      if (signal.aborted && redeeming && deps.settleLate) {
        // Cancelled mid-request: the answer is stored when it comes; the lease is held till then.
        handedOver = true;
        deps.settleLate(
          serverKey,
          redeeming.then((record) => ({ record, expectedGeneration: base.generation })),
          stopHolding,
        );
        throw error;
      }
      await stopHolding?.();
      if (signal.aborted) {
        // Cancelled before anything was redeemed: nothing of it will be committed.
        await deps.releaseLease?.(serverKey);
        throw error;
      }
      discoveries.drop(serverKey);
      const failure = classifyOAuthFailure(error, tokenHttp.last() ?? http.last(), now());
      if (failure.result === 'failed_invalid_grant' && deps.onInvalidGrant) {
        const rotated = newer(await deps.onInvalidGrant(serverKey));
        if (rotated && !rotated.tokens) return { kind: 'adopted', record: rotated };
        if (rotated?.tokens?.access_token && rotated.tokens.refresh_token !== refreshToken) {
          logger.info({}, 'lost refresh race; using token rotated by another process');
          return { kind: 'adopted', record: rotated };
        }
      }
      throw failure;
    } finally {
      if (!handedOver) await stopHolding?.();
    }
  });
}
