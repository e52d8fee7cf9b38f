/** @module The `connect` and `session` actors the upstream machine invokes and spawns. */
import { fromCallback, fromPromise } from 'xstate';
import type { EventObject } from 'xstate';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  ConnectInput,
  ConnectOutput,
  UpstreamSession,
} from '../../machines/upstream/upstream.types.js';
import type { ServiceLogger } from '../oauth/index.js';
import { connectUpstream } from './connect.js';

/** What the connect actor needs from its host. */
export interface ConnectActorDeps {
  logger: ServiceLogger;
  /** Bound on the handshake and first tool list (default 30 s). */
  timeoutMs?: number;
  /** Bound on one tool result (default 10 MB). */
  maxResultBytes?: number;
  /** How long a call may go without an answer or progress (default 10 minutes). */
  callIdleTimeoutMs?: number;
  /** How long a call refused with 401 waits for the refresh it starts (default 10 s). */
  refreshWaitMs?: number;
  baseFetch?: FetchLike;
}

/** Creates the `connect` actor logic; leaving the state aborts the attempt and closes it. */
export function createConnectActor(deps: ConnectActorDeps) {
  return fromPromise<ConnectOutput, ConnectInput>(({ input, signal }) =>
    connectUpstream(input, { ...deps, signal }),
  );
}

/** The `session` actor: owns a live session while spawned and closes it on cleanup. */
export const sessionActor = fromCallback<EventObject, { session: UpstreamSession }>(({ input }) => {
  return () => {
    void input.session.close().catch(() => undefined);
  };
});
