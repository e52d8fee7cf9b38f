/** @module The `login` actor the upstream machine invokes: {@link runLoginFlow} behind `fromPromise`. */
import { fromPromise } from 'xstate';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { LoginInput, LoginOutput } from '../../machines/upstream/upstream.types.js';
import { runLoginFlow } from './login-flow.js';
import type { ServiceLogger } from './service-logger.js';

/** What the login actor needs from its host. */
export interface LoginActorDeps {
  logger: ServiceLogger;
  /** Per-request timeout of OAuth HTTP calls (default 30 s). */
  httpTimeoutMs?: number;
  fetchImpl?: FetchLike;
  now?: () => number;
}

/** Creates the `login` actor logic; leaving `loggingIn` aborts the flow and closes its listener. */
export function createLoginActor(deps: LoginActorDeps) {
  return fromPromise<LoginOutput, LoginInput>(async ({ input, signal }) => {
    const record = await runLoginFlow({
      entry: input.entry,
      serverKey: input.serverKey,
      record: input.record,
      correlationId: input.correlationId,
      extraScopes: input.extraScopes,
      rejectedClientId: input.rejectedClientId,
      onAuthUrl: input.onAuthUrl,
      onRegistered: input.onRegistered,
      signal,
      logger: deps.logger,
      httpTimeoutMs: deps.httpTimeoutMs,
      fetchImpl: deps.fetchImpl,
      now: deps.now,
    });
    return { record };
  });
}
