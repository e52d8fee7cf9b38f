/**
 * @module The inspection hub: it turns every inspection event of every actor into a JSON-safe,
 * sanitised message, fans it out to subscribers (the `/api/v1/inspect` SSE streams), and
 * remembers the latest snapshot of each live actor and the recent messages for late subscribers.
 * `attach(supervisor)` (what serve does) inspects the actor system only while someone subscribes:
 * with no inspector at all XState builds no inspection event, and the recent messages are those
 * since the first of the present subscribers came; a subscriber still starts from every live
 * actor's current snapshot, read from the actors. Fed through `inspect` instead (an actor's
 * `inspect` option), it sees everything from the start. Sanitising is done when a message is
 * read: an event nobody reads costs a reference, not a deep copy of the actor's context.
 */
import type { ActorRefLike, AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type { ActorMessage, InspectionMessage, InspectedSnapshotJson } from './inspection.types.js';
import { actorIds, snapshotJson } from './messages.js';
import { sanitizeEvent } from './sanitize.js';

export interface InspectionHubOptions {
  /** How many recent event/snapshot messages to keep for late subscribers (default 500). */
  maxEvents?: number;
  /**
   * Upper bound of tracked live actors; the oldest is forgotten beyond it (default 100,000). A
   * stopped actor is forgotten anyway; the bound is a safety net, and it must stay far above
   * what serve runs (about three actors per server): past it, every event of a forgotten actor
   * tracked it again and pushed out another.
   */
  maxActors?: number;
  /** Wall clock for `createdAt` (default `Date.now`). */
  now?: () => number;
}

export interface InspectionHub {
  /** The inspection observer: pass to `createActor(..., { inspect })`. Never throws. */
  inspect(event: InspectionEvent): void;
  /**
   * Inspects `root`'s actor system while there are subscribers (from the first subscribe to the
   * last unsubscribe); in between, `current()` reads the live actors from `root` down.
   */
  attach(root: AnyActorRef): void;
  /** Adds a listener of every new message; returns the function that removes it. */
  subscribe(listener: (message: InspectionMessage) => void): () => void;
  /** One `@xstate.actor` message per live actor, carrying its latest snapshot. */
  current(): ActorMessage[];
  /** The most recent event and snapshot messages, oldest first. */
  recent(): InspectionMessage[];
  /** Number of subscribers. */
  readonly size: number;
}

interface Tracked {
  ref: ActorRefLike;
  rootId: string;
  announced: boolean;
  /** The latest snapshot, sanitised on first read (snapshots are immutable). */
  latest?: () => InspectedSnapshotJson | undefined;
}

/** `make()` run once, on first call. */
function lazy<T>(make: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = make();
      done = true;
    }
    return value;
  };
}

/** Creates an inspection hub. */
export function createInspectionHub(options: InspectionHubOptions = {}): InspectionHub {
  const maxEvents = options.maxEvents ?? 500;
  const maxActors = options.maxActors ?? 100_000;
  const now = options.now ?? Date.now;
  const actors = new Map<string, Tracked>();
  const listeners = new Set<(message: InspectionMessage) => void>();
  /** The recent messages, a ring: `kept` of them, the oldest at `(next - kept) mod maxEvents`. */
  const history: Array<() => InspectionMessage> = [];
  let next = 0;
  let kept = 0;
  let root: AnyActorRef | undefined;
  let inspecting: Subscription | undefined;

  const createdAt = (at = now()) => new Date(at).toISOString();

  function publish(message: () => InspectionMessage, keep: boolean): void {
    if (keep && maxEvents > 0) {
      history[next] = message;
      next = (next + 1) % maxEvents;
      kept = Math.min(kept + 1, maxEvents);
    }
    if (listeners.size === 0) return;
    const built = message();
    for (const listener of listeners) {
      try {
        listener(built);
      } catch {
        // A broken subscriber must not stop the others, nor the actor being inspected.
      }
    }
  }

  function actorMessage(t: Tracked): ActorMessage {
    const snapshot = t.latest?.() ?? { status: 'active' };
    return {
      type: '@xstate.actor',
      ...actorIds(t.ref),
      rootId: t.rootId,
      snapshot,
      createdAt: createdAt(),
    };
  }

  function track(ref: ActorRefLike, rootId: string): Tracked {
    let t = actors.get(ref.sessionId);
    if (!t) {
      t = { ref, rootId, announced: false };
      actors.set(ref.sessionId, t);
      if (actors.size > maxActors) actors.delete(actors.keys().next().value!);
    }
    return t;
  }

  /** The actor message is sent on first activity: by then its system id and snapshot exist. */
  function announced(ref: ActorRefLike, rootId: string): Tracked {
    const t = track(ref, rootId);
    if (!t.announced) {
      t.announced = true;
      const raw = rawSnapshot(ref);
      const latest = lazy(() => snapshotJson(raw));
      t.latest = latest;
      const ids = actorIds(ref);
      const at = createdAt();
      publish(
        lazy(() => ({
          type: '@xstate.actor' as const,
          ...ids,
          rootId,
          snapshot: latest() ?? { status: 'active' },
          createdAt: at,
        })),
        false,
      );
    }
    return t;
  }

  /** A live actor as the hub would track it: announced, with its snapshot as of now. */
  function present(ref: ActorRefLike, rootId: string): Tracked {
    const raw = rawSnapshot(ref);
    return { ref, rootId, announced: true, latest: lazy(() => snapshotJson(raw)) };
  }

  /** Starts inspecting `root`'s system, tracking its live actors as already announced. */
  function startInspecting(): void {
    const rootId = root!.sessionId;
    for (const ref of liveActors(root!)) actors.set(ref.sessionId, present(ref, rootId));
    inspecting = root!.system.inspect({ next: (event: InspectionEvent) => hub.inspect(event) });
  }

  /** Stops inspecting; what was tracked and kept is dropped (it would go stale). */
  function stopInspecting(): void {
    inspecting?.unsubscribe();
    inspecting = undefined;
    actors.clear();
    history.length = 0;
    next = 0;
    kept = 0;
  }

  function handle(event: InspectionEvent): void {
    const { actorRef, rootId } = event;
    // Only the moment is taken now; the rest of a message is built when someone reads it.
    const at = now();
    switch (event.type) {
      case '@xstate.actor':
        track(actorRef, rootId);
        return;
      case '@xstate.event': {
        announced(actorRef, rootId);
        const sourceId = event.sourceRef?.sessionId;
        publish(
          lazy(() => ({
            type: event.type,
            ...messageHead(actorRef, rootId, at),
            event: sanitizeEvent(event.event),
            ...(sourceId ? { sourceId } : {}),
          })),
          true,
        );
        return;
      }
      case '@xstate.snapshot': {
        const t = announced(actorRef, rootId);
        const raw = event.snapshot;
        const snapshot = lazy(() => snapshotJson(raw) ?? { status: 'active' });
        t.latest = snapshot;
        publish(
          lazy(() => ({
            type: event.type,
            ...messageHead(actorRef, rootId, at),
            event: sanitizeEvent(event.event),
            snapshot: snapshot(),
          })),
          true,
        );
        if (statusOf(raw) !== 'active') actors.delete(actorRef.sessionId);
        return;
      }
      default:
        // Microsteps and actions are too fine-grained for the stream.
        return;
    }
  }

  const hub: InspectionHub = {
    inspect(event) {
      try {
        handle(event);
      } catch {
        // Inspection is best-effort: it must never break the actor system it watches.
      }
    },
    attach(actor) {
      root = actor;
      if (listeners.size > 0) startInspecting();
    },
    subscribe(listener) {
      listeners.add(listener);
      if (root && !inspecting) startInspecting();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && inspecting) stopInspecting();
      };
    },
    current: () =>
      root && !inspecting
        ? liveActors(root).map((ref) => actorMessage(present(ref, root!.sessionId)))
        : [...actors.values()].filter((t) => t.announced).map(actorMessage),
    recent: () =>
      Array.from({ length: kept }, (_, i) => history[(next - kept + i + maxEvents) % maxEvents]!()),
    get size() {
      return listeners.size;
    },
  };
  return hub;
}

/** `root` and every actor below it that is still active, parents before children. */
function liveActors(root: AnyActorRef): AnyActorRef[] {
  const found: AnyActorRef[] = [];
  const visit = (ref: AnyActorRef) => {
    const snapshot = rawSnapshot(ref) as { status?: unknown; children?: unknown } | undefined;
    if (statusOf(snapshot) !== 'active') return;
    found.push(ref);
    const children = snapshot?.children;
    if (children && typeof children === 'object') {
      for (const child of Object.values(children as Record<string, AnyActorRef | undefined>)) {
        if (child) visit(child);
      }
    }
  };
  visit(root);
  return found;
}

/** The ids, root and time of a message about `actorRef` (no inner closure per event: cheaper). */
function messageHead(actorRef: ActorRefLike, rootId: string, at: number) {
  const { name: _name, machine: _machine, ...ids } = actorIds(actorRef);
  return { ...ids, rootId, createdAt: new Date(at).toISOString() };
}

/** The snapshot of `ref` now (an actor still being constructed has none). */
function rawSnapshot(ref: ActorRefLike): unknown {
  try {
    return ref.getSnapshot();
  } catch {
    return undefined;
  }
}

/** The status `snapshotJson` would report, without sanitising anything. */
function statusOf(snapshot: unknown): string {
  const status = (snapshot as { status?: unknown } | null)?.status;
  return typeof status === 'string' ? status : 'active';
}
