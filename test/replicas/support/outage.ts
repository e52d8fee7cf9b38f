/**
 * @module A PostgreSQL outage while a refresh is at the token endpoint: the test server holds
 * one refresh answer back, the cluster is stopped once that request arrived, started again after
 * `outageMs`, and the replicas are waited for (bounded) until every server is healthy again.
 */
import type { EmbeddedPostgresHandle } from '../../helpers/embedded-postgres.js';
import { waitFor } from '../../helpers/proxy-process.js';
import { isAuthenticated, waitForAll } from './cluster.js';
import type { World } from './world.js';

export interface OutageTimes {
  /** PostgreSQL stopped (the held refresh was in flight). */
  stoppedAt: number;
  /** The outage ended: the restart began. */
  resumeAt: number;
  /** PostgreSQL answers again. */
  resumedAt: number;
  /** Every server on every replica authenticated and healthy. */
  healedAt: number;
}

/** Runs the outage; answers when each of its moments happened. */
export async function storeOutageDuringRefresh(
  world: World,
  postgres: EmbeddedPostgresHandle,
  options: { inFlightMs: number; outageMs: number; healTimeoutMs: number },
): Promise<OutageTimes> {
  world.as.setFail({
    mode: 'slow',
    grant: 'refresh_token',
    delay_ms: options.inFlightMs,
    times: 1,
  });
  await waitFor(() => world.as.failStatus().injected === 1, {
    timeoutMs: 15_000,
    intervalMs: 20,
    what: 'a refresh in flight',
  });
  await postgres.pause();
  const stoppedAt = Date.now();
  await new Promise((r) => setTimeout(r, options.outageMs));
  const resumeAt = Date.now();
  await postgres.resume();
  const resumedAt = Date.now();
  await waitForAll(world.replicas, (v) => isAuthenticated(v) && v.health.level === 'healthy', {
    timeoutMs: options.healTimeoutMs,
    what: 'all healthy again',
  });
  return { stoppedAt, resumeAt, resumedAt, healedAt: Date.now() };
}
