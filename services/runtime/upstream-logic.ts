/**
 * @module The upstream machine with its real actors: MCP connect/session (services/mcp-client),
 * OAuth refresh and login (services/oauth), the refresh guarded by the per-issuer budget and the
 * cross-process lease.
 */
import { upstreamMachine } from '../../machines/upstream/upstream.machine.js';
import type { Logger } from '../logger/index.js';
import { createConnectActor, sessionActor } from '../mcp-client/index.js';
import { createLoginActor, createRefreshActor } from '../oauth/index.js';
import type { TokenStore } from '../token-store/token-store.js';
import { type AsBudget, createAsBudget } from './as-budget.js';
import { createRefreshCoordinator } from './refresh-coordinator.js';

export interface UpstreamLogicOptions {
  store: TokenStore;
  logger: Logger;
  /** Lease owner id of this process. */
  ownerId: string;
  /**
   * Token-endpoint requests per minute per authorization server (config `as_budget_per_minute`).
   * Omitted: no budget (refreshes are still rate-limited per server).
   */
  asBudgetPerMinute?: number;
  /** A budget to share instead (tests); wins over `asBudgetPerMinute`. */
  budget?: AsBudget;
}

/** The upstream machine with every injected actor provided. */
export function provideUpstream(options: UpstreamLogicOptions) {
  const coordinator = createRefreshCoordinator({
    store: options.store,
    ownerId: options.ownerId,
    logger: options.logger,
  });
  const budget =
    options.budget ??
    (options.asBudgetPerMinute === undefined
      ? undefined
      : createAsBudget({ perMinute: options.asBudgetPerMinute }));
  return upstreamMachine.provide({
    actors: {
      connect: createConnectActor({ logger: options.logger }),
      session: sessionActor,
      refresh: createRefreshActor({
        logger: options.logger,
        prepareRedeem: coordinator.prepareRedeem,
        holdLease: coordinator.holdLease,
        releaseLease: coordinator.releaseLease,
        settleLate: coordinator.settleLate,
        onInvalidGrant: coordinator.onInvalidGrant,
        budget,
      }),
      login: createLoginActor({ logger: options.logger }),
    },
  });
}
