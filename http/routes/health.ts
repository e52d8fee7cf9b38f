/**
 * @module `/healthz` (the process answers) and `/readyz` (the supervisor runs; SPEC §3b shape).
 */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { supervisorSnapshot } from '../upstreams.js';

/** The `/readyz` answer. */
export interface ReadyAnswer {
  status: 'ready' | 'starting' | 'stopping';
  store: AppDeps['storeKind'];
  replica_id: string;
  store_available: boolean;
}

/** Readiness from the supervisor's snapshot: ready only while it is `running`. */
export function readiness(deps: AppDeps): ReadyAnswer {
  const snapshot = supervisorSnapshot(deps.supervisor);
  const status =
    snapshot.value === 'running'
      ? 'ready'
      : snapshot.value === 'starting' && snapshot.status === 'active'
        ? 'starting'
        : 'stopping';
  return {
    status,
    store: deps.storeKind,
    replica_id: deps.replicaId,
    store_available: snapshot.context.storeAvailable !== false,
  };
}

/** The probe routes (open even when an API key is set). */
export function healthRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const answer = readiness(deps);
    return c.json(answer, answer.status === 'ready' ? 200 : 503);
  });
  return app;
}
