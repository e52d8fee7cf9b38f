/**
 * @module The upstream machine with its real actors: MCP connect/session (services/mcp-client),
 * OAuth refresh and login (services/oauth), the refresh guarded by the cross-process lease.
 */
import { upstreamMachine } from '../../machines/upstream/upstream.machine.js';
import type { Logger } from '../logger/index.js';
import { createConnectActor, sessionActor } from '../mcp-client/index.js';
import { createLoginActor, createRefreshActor } from '../oauth/index.js';
import type { TokenStore } from '../token-store/token-store.js';
import { createRefreshCoordinator } from './refresh-coordinator.js';

export interface UpstreamLogicOptions {
  store: TokenStore;
  logger: Logger;
  /** Lease owner id of this process. */
  ownerId: string;
}

/** The upstream machine with every injected actor provided. */
export function provideUpstream(options: UpstreamLogicOptions) {
  const coordinator = createRefreshCoordinator({
    store: options.store,
    ownerId: options.ownerId,
    logger: options.logger,
  });
  return upstreamMachine.provide({
    actors: {
      connect: createConnectActor({ logger: options.logger }),
      session: sessionActor,
      refresh: createRefreshActor({
        logger: options.logger,
        beforeRedeem: coordinator.beforeRedeem,
        onInvalidGrant: coordinator.onInvalidGrant,
      }),
      login: createLoginActor({ logger: options.logger }),
    },
  });
}
