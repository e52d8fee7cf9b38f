/**
 * @module Shutdown waits (bounded) for token refreshes in flight: a refresh the authorization
 * server has answered must reach the store, or, with refresh-token rotation, the only copy of the
 * new refresh token dies with the process and the next start finds its stored token retired.
 * An upstream stays in a `refreshing` state until its new token is committed.
 */
import type { AnyActorRef } from 'xstate';
import { statePath } from '../../machines/upstream/health.js';
import type { Logger } from '../logger/index.js';

const POLL_MS = 20;

/** Names of the supervisor's upstreams that are mid-refresh (token request or its commit). */
export function refreshesInFlight(supervisor: AnyActorRef): string[] {
  const children = (supervisor.getSnapshot().context?.children ?? {}) as Record<
    string,
    AnyActorRef
  >;
  return Object.entries(children)
    .filter(([, ref]) => statePath(ref.getSnapshot().value).endsWith('.refreshing'))
    .map(([name]) => name);
}

/**
 * Resolves once no upstream is mid-refresh, or after `timeoutMs` (an attempt that waits for
 * another process's lease, or a slow authorization server, must not hold up the exit): answers
 * the names still refreshing then.
 */
export async function settleRefreshes(
  supervisor: AnyActorRef,
  logger: Logger,
  timeoutMs: number,
): Promise<string[]> {
  let pending = refreshesInFlight(supervisor);
  if (pending.length === 0) return pending;
  logger.info(
    { servers: pending, timeout_ms: timeoutMs },
    'Shutdown waits for token refreshes in flight to be stored',
  );
  const deadline = Date.now() + timeoutMs;
  while (pending.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    pending = refreshesInFlight(supervisor);
  }
  if (pending.length > 0) {
    logger.warn(
      { servers: pending },
      'Shutdown stopped token refreshes still in flight; a rotated token they were answered with is lost',
    );
  }
  return pending;
}
