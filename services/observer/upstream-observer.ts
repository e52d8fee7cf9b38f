/**
 * @module Turns the upstream actors' snapshots into what users see besides REST: the fixed OAuth
 * log lines (SPEC §3), the metrics (SPEC §9) and the `/api/v1/events` SSE events (SPEC §5).
 * It subscribes to each upstream actor of the supervisor, and hears from the actor which event
 * ended a refresh attempt (`refresh.outcome`, emitted just before that event's snapshot). It reads
 * snapshots; it never keeps its own copy of a server's status. It does not use XState's inspection
 * stream: with no inspector attached, XState builds no inspection event at all (≈ 28 per refresh).
 */
import type { AnyActorRef, AnyEventObject, Subscription } from 'xstate';
import { type Health, healthOf, oauthStatusOf, statePath } from '../../machines/upstream/health.js';
import { refreshAt } from '../../machines/upstream/timing.js';
import type { UpstreamContext } from '../../machines/upstream/upstream.types.js';
import type { Logger } from '../logger/index.js';
import type { ProxyMetrics } from '../metrics/metrics.js';
import { UPSTREAM_STATES } from '../metrics/metrics.js';
import type { EventHub, ProxyEvent } from '../events/proxy-events.js';

interface UpstreamSnapshotLike {
  value: Parameters<typeof statePath>[0];
  context: UpstreamContext;
  status: string;
}

export interface ObserverDeps {
  logger: Logger;
  metrics: ProxyMetrics;
  events: EventHub<ProxyEvent>;
  now: () => number;
}

const HEALTH_VALUE = { healthy: 0, degraded: 1, unhealthy: 2 } as const;
const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

function isUpstream(ref: AnyActorRef): boolean {
  return (ref as { systemId?: string }).systemId?.startsWith('upstream:') === true;
}

/** The cause of a snapshot that no refresh outcome preceded. */
const NO_CAUSE: AnyEventObject = { type: '' };

/** What the observer remembers of an actor: its last snapshot and what was derived from it. */
interface Seen {
  snapshot: UpstreamSnapshotLike;
  path: string;
  top: string;
  level: keyof typeof HEALTH_VALUE;
}

/** An event without what `publish` adds (its server and time). */
type ProxyEventBody = ProxyEvent extends infer E
  ? E extends ProxyEvent
    ? Omit<E, 'server' | 'timestamp'>
    : never
  : never;

/** Whether two health readings are the same (all four fields). */
const sameHealth = (a: Health, b: Health) =>
  a.level === b.level && a.summary === b.summary && a.detail === b.detail && a.action === b.action;

/** The top-level state of a dotted state path. */
function topOf(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}

/**
 * The fields of one log line about `server`: the server, the flow's correlation id when there
 * is one, then the line's own fields (the order a child logger with those bindings writes).
 */
function lineOf(server: string, flowId: string | null, fields?: Record<string, unknown>) {
  return flowId ? { server, correlation_id: flowId, ...fields } : { server, ...fields };
}

/**
 * Creates the observer. Feed it every inspection event (`createActor(..., { inspect })`); it
 * keeps the previous snapshot per actor only to see what changed. Snapshots come several times
 * per refresh of every server, so it does per snapshot only what changed: gauges are set when
 * the state or health level changes, the previous health is read only when the state did not
 * change, and log lines carry their server in their fields (no child logger per line).
 */
export function createUpstreamObserver(deps: ObserverDeps) {
  const previous = new Map<string, Seen>();
  const { logger, metrics, events, now } = deps;

  function publish(server: string, event: ProxyEventBody) {
    events.publish({ server, timestamp: new Date(now()).toISOString(), ...event } as ProxyEvent);
  }

  function onSnapshot(
    id: string,
    seen: Seen | undefined,
    next: UpstreamSnapshotLike,
    cause: AnyEventObject,
  ) {
    const prev = seen?.snapshot;
    const ctx = next.context;
    const server = ctx.entry.name;
    const prevPath = seen ? seen.path : null;
    const path = statePath(next.value);
    const top = topOf(path);
    const at = now();
    const health = healthOf(next, at);

    if (next.status === 'stopped' && top !== 'stopped') {
      forget(id, server);
      return;
    }
    previous.set(id, { snapshot: next, path, top, level: health.level });
    if (seen?.top !== top) {
      for (const state of UPSTREAM_STATES)
        metrics.upstreamState.set({ server, state }, state === top ? 1 : 0);
    }
    if (seen?.level !== health.level)
      metrics.upstreamHealth.set({ server }, HEALTH_VALUE[health.level]);

    // Events are built only for someone to read them (an SSE client). Health read at the same
    // moment for both snapshots: only a change of the actor counts.
    const listened = events.size > 0;
    if (listened && (prevPath !== path || !sameHealth(healthOf(prev!, at), health))) {
      publish(server, {
        type: 'upstream.state',
        state: path,
        health,
        oauth_status: oauthStatusOf(next, at),
      });
    }
    const flowId = ctx.flow?.correlationId ?? prev?.context.flow?.correlationId ?? null;

    // Refresh lifecycle.
    if (path.endsWith('refreshing') && prevPath !== path) {
      logger.info(lineOf(server, flowId, { attempt: ctx.failures }), 'OAuth token refresh attempt');
    }
    if (cause.type === 'refresh.done') {
      const output = (
        cause as unknown as { output: { kind: string; record: UpstreamContext['record'] } }
      ).output;
      const started = prev?.context.flow?.startedAt ?? at;
      const duration = at - started;
      if (output.kind === 'issued') {
        metrics.refreshTotal.inc({ server, result: 'success' });
        metrics.refreshDuration.observe({ server, result: 'success' }, duration / 1000);
        logger.info(
          lineOf(server, flowId, {
            expires_at: iso(output.record?.expires_at),
            duration_ms: duration,
          }),
          'OAuth token refresh succeeded',
        );
        if (listened) {
          publish(server, {
            type: 'oauth.token_refreshed',
            expires_at: iso(output.record?.expires_at),
            correlation_id: flowId,
          });
        }
      } else {
        logger.info(
          lineOf(server, flowId),
          'lost refresh race; using token rotated by another process',
        );
      }
    }
    const commitFailed =
      cause.type === 'token.persist_failed' && ctx.failures > (prev?.context.failures ?? 0);
    if (cause.type === 'refresh.failed' || commitFailed) {
      const started = prev?.context.flow?.startedAt ?? at;
      const duration = at - started;
      const result = ctx.lastResult ?? 'failed_other';
      if (cause.type === 'refresh.failed') {
        metrics.refreshTotal.inc({ server, result });
        metrics.refreshDuration.observe({ server, result }, duration / 1000);
      }
      logger.warn(
        lineOf(server, flowId, {
          result,
          error: ctx.lastError,
          attempt: Math.max(0, ctx.failures - 1),
          duration_ms: duration,
        }),
        'OAuth token refresh failed',
      );
      if (listened) {
        publish(server, {
          type: 'oauth.refresh_failed',
          result,
          error: ctx.lastError ?? '',
          retry_count: ctx.failures,
          next_retry_at: top === 'loginRequired' ? null : iso(ctx.nextRetryAt),
        });
      }
      if (top === 'degraded' || top === 'retrying') {
        logger.info(
          lineOf(server, flowId, {
            attempt: ctx.failures,
            delay_ms: Math.max(0, (ctx.nextRetryAt ?? at) - at),
          }),
          'OAuth token refresh retry scheduled',
        );
      }
    }
    if (path.endsWith('refreshScheduled')) {
      const refreshAtMs = refreshAt(ctx.record, ctx.settings.threshold, ctx.jitter);
      const prevAt =
        prev && prevPath?.endsWith('refreshScheduled')
          ? refreshAt(prev.context.record, prev.context.settings.threshold, prev.context.jitter)
          : undefined;
      if (refreshAtMs !== null && refreshAtMs !== prevAt) {
        logger.info(
          lineOf(server, flowId, {
            expires_at: iso(ctx.record?.expires_at),
            refresh_at: iso(refreshAtMs),
          }),
          'OAuth token refresh scheduled',
        );
      }
    }
    // Login lifecycle.
    if (top === 'loggingIn' && prevPath !== 'loggingIn')
      logger.info(lineOf(server, flowId), 'OAuth login started');
    if (prevPath === 'loggingIn' && top === 'connecting') {
      // A committed login brings a new record; a failed one on a working server goes back to
      // the tokens it had (the machine's `loginWasOptional`).
      if (ctx.record !== prev?.context.record && ctx.record?.tokens) {
        logger.info(
          lineOf(server, flowId, { expires_at: iso(ctx.record.expires_at) }),
          'OAuth login completed',
        );
      } else {
        logger.warn(
          lineOf(server, flowId, { error: ctx.lastError }),
          'OAuth login failed; the stored tokens stay in use',
        );
      }
    }
    if (top === 'loginRequired' && prevPath !== 'loginRequired') {
      const reason = ctx.loginReason ?? 'Login required';
      logger.warn(lineOf(server, flowId, { error: reason }), 'OAuth login required');
      if (listened) publish(server, { type: 'oauth.login_required', reason });
    }
  }

  function forget(id: string, server: string) {
    previous.delete(id);
    for (const state of UPSTREAM_STATES) metrics.upstreamState.remove({ server, state });
    metrics.upstreamHealth.remove({ server });
    metrics.tokenExpiry.remove({ server });
  }

  function observe(id: string, snapshot: unknown, cause: AnyEventObject): void {
    try {
      onSnapshot(id, previous.get(id), snapshot as UpstreamSnapshotLike, cause);
    } catch (error) {
      logger.error({ err: error }, 'observer failed to process a snapshot');
    }
  }

  /** Subscriptions per followed upstream actor (by session id). */
  const followed = new Map<string, Subscription[]>();

  function follow(ref: AnyActorRef): void {
    const id = ref.sessionId;
    if (followed.has(id)) return;
    let cause = NO_CAUSE;
    const outcome = ref.on('refresh.outcome', (emitted: { event: AnyEventObject }) => {
      cause = emitted.event;
    });
    // Its present first (an actor spawned earlier may have moved already), then every change.
    observe(id, ref.getSnapshot(), NO_CAUSE);
    const snapshots = ref.subscribe({
      next(snapshot) {
        const was = cause;
        cause = NO_CAUSE;
        observe(id, snapshot, was);
      },
      error: () => unfollow(id),
      complete() {
        // A stopped actor is forgotten; one that reached its final `stopped` state stays listed.
        const seen = previous.get(id);
        unfollow(id);
        if (seen && seen.top !== 'stopped') forget(id, seen.snapshot.context.entry.name);
      },
    });
    followed.set(id, [outcome, snapshots]);
  }

  function unfollow(id: string): void {
    for (const subscription of followed.get(id) ?? []) subscription.unsubscribe();
    followed.delete(id);
  }

  return {
    /**
     * Follows every upstream actor `supervisor` has and spawns from now on. Call it before
     * `supervisor.start()` to see each upstream's first snapshot. Returns the function that
     * stops following.
     */
    watch(supervisor: AnyActorRef): () => void {
      let known: unknown;
      const scan = (children: Record<string, AnyActorRef | undefined> | undefined) => {
        // XState hands on the same `children` object until a child is spawned or stopped.
        if (!children || children === known) return;
        known = children;
        for (const child of Object.values(children)) if (child && isUpstream(child)) follow(child);
      };
      scan(supervisor.getSnapshot().children);
      const subscription = supervisor.subscribe({
        next: (snapshot) => scan(snapshot.children),
        error: () => undefined,
      });
      return () => {
        subscription.unsubscribe();
        for (const id of [...followed.keys()]) unfollow(id);
      };
    },
    /**
     * The gauges that change with time alone, read at scrape time: token expiries, and health
     * (an access token can run out while its refresh is still waiting, with no new snapshot).
     */
    updateTimedGauges(): void {
      const at = now();
      for (const seen of previous.values()) {
        const snap = seen.snapshot;
        const level = healthOf(snap, at).level;
        if (level !== seen.level) {
          seen.level = level;
          metrics.upstreamHealth.set({ server: snap.context.entry.name }, HEALTH_VALUE[level]);
        }
        const expiresAt = snap.context.record?.tokens ? snap.context.record.expires_at : null;
        if (expiresAt != null) {
          metrics.tokenExpiry.set(
            { server: snap.context.entry.name },
            Math.round((expiresAt - at) / 1000),
          );
        } else {
          metrics.tokenExpiry.remove({ server: snap.context.entry.name });
        }
      }
    },
  };
}

export type UpstreamObserver = ReturnType<typeof createUpstreamObserver>;
