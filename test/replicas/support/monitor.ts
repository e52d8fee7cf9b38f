/**
 * @module Watches every replica's `GET /api/v1/servers` (and `/readyz`) on a short interval for
 * the whole run, so a test can say "healthy throughout" from samples, not from one look at the end.
 */
import type { ServerView } from '../../../machines/upstream/server-view.js';
import { readyz, serverViews, type Ready, type Replica } from './cluster.js';

/** One look at one replica. */
export interface Sample {
  at: number;
  replica: string;
  /** Null when the replica did not answer (the error is in `error`). */
  views: ServerView[] | null;
  ready: Ready | null;
  error?: string;
}

export interface Monitor {
  samples(): Sample[];
  /** Samples taken in [from, to) (ms since epoch). */
  between(from: number, to?: number): Sample[];
  stop(): Promise<void>;
}

/** A server's health as one short string, for assertion messages. */
export const describeView = (v: ServerView) =>
  `${v.name}=${v.state}/${v.health.level}${v.health.summary ? ` (${v.health.summary})` : ''}`;

/** Starts sampling `replicas` every `intervalMs` until `stop()`. */
export function monitorReplicas(replicas: () => Replica[], intervalMs = 250): Monitor {
  const taken: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      await Promise.all(
        replicas().map(async (replica) => {
          const at = Date.now();
          try {
            const [views, ready] = await Promise.all([serverViews(replica), readyz(replica)]);
            taken.push({ at, replica: replica.id, views, ready });
          } catch (error) {
            taken.push({ at, replica: replica.id, views: null, ready: null, error: String(error) });
          }
        }),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();
  return {
    samples: () => [...taken],
    between: (from, to = Infinity) => taken.filter((s) => s.at >= from && s.at < to),
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Every (replica, server) look in `samples` whose health was not `healthy`, described. */
export function unhealthyLooks(samples: Sample[]): string[] {
  const bad: string[] = [];
  for (const sample of samples) {
    if (sample.views === null) {
      bad.push(
        `${new Date(sample.at).toISOString()} ${sample.replica}: no answer (${sample.error})`,
      );
      continue;
    }
    for (const view of sample.views) {
      if (view.health.level !== 'healthy') {
        bad.push(`${new Date(sample.at).toISOString()} ${sample.replica}: ${describeView(view)}`);
      }
    }
  }
  return bad;
}
