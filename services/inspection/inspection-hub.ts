/**
 * @module The inspection hub: plugged into the supervisor's `inspect` option, it turns every
 * inspection event of every actor into a JSON-safe, sanitised message, fans it out to
 * subscribers (the `/api/v1/inspect` SSE streams), and remembers the latest snapshot of each live
 * actor and the recent messages for late subscribers.
 */
import type { ActorRefLike, InspectionEvent } from 'xstate';
import type { ActorMessage, InspectionMessage, InspectedSnapshotJson } from './inspection.types.js';
import { actorIds, currentSnapshot, snapshotJson } from './messages.js';
import { sanitizeEvent } from './sanitize.js';

export interface InspectionHubOptions {
  /** How many recent event/snapshot messages to keep for late subscribers (default 500). */
  maxEvents?: number;
  /** Upper bound of tracked live actors; the oldest is forgotten beyond it (default 2000). */
  maxActors?: number;
  /** Wall clock for `createdAt` (default `Date.now`). */
  now?: () => number;
}

export interface InspectionHub {
  /** The inspection observer: pass to `createActor(..., { inspect })`. Never throws. */
  inspect(event: InspectionEvent): void;
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
  latest?: InspectedSnapshotJson;
}

/** Creates an inspection hub. */
export function createInspectionHub(options: InspectionHubOptions = {}): InspectionHub {
  const maxEvents = options.maxEvents ?? 500;
  const maxActors = options.maxActors ?? 2000;
  const now = options.now ?? Date.now;
  const actors = new Map<string, Tracked>();
  const listeners = new Set<(message: InspectionMessage) => void>();
  const history: InspectionMessage[] = [];

  const createdAt = () => new Date(now()).toISOString();

  function publish(message: InspectionMessage, keep: boolean): void {
    if (keep) {
      history.push(message);
      if (history.length > maxEvents) history.splice(0, history.length - maxEvents);
    }
    for (const listener of listeners) {
      try {
        listener(message);
      } catch {
        // A broken subscriber must not stop the others, nor the actor being inspected.
      }
    }
  }

  function actorMessage(t: Tracked): ActorMessage {
    const snapshot = t.latest ?? { status: 'active' };
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
      t.latest = currentSnapshot(ref);
      publish(actorMessage(t), false);
    }
    return t;
  }

  function handle(event: InspectionEvent): void {
    const { actorRef, rootId } = event;
    const base = () => {
      const { name: _name, machine: _machine, ...ids } = actorIds(actorRef);
      return { ...ids, rootId, createdAt: createdAt() };
    };
    switch (event.type) {
      case '@xstate.actor':
        track(actorRef, rootId);
        return;
      case '@xstate.event': {
        announced(actorRef, rootId);
        const sourceId = event.sourceRef?.sessionId;
        const message = { type: event.type, ...base(), event: sanitizeEvent(event.event) };
        publish(sourceId ? { ...message, sourceId } : message, true);
        return;
      }
      case '@xstate.snapshot': {
        const t = announced(actorRef, rootId);
        const snapshot = snapshotJson(event.snapshot) ?? { status: 'active' };
        t.latest = snapshot;
        publish({ type: event.type, ...base(), event: sanitizeEvent(event.event), snapshot }, true);
        if (snapshot.status !== 'active') actors.delete(actorRef.sessionId);
        return;
      }
      default:
        // Microsteps and actions are too fine-grained for the stream.
        return;
    }
  }

  return {
    inspect(event) {
      try {
        handle(event);
      } catch {
        // Inspection is best-effort: it must never break the actor system it watches.
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    current: () => [...actors.values()].filter((t) => t.announced).map(actorMessage),
    recent: () => [...history],
    get size() {
      return listeners.size;
    },
  };
}
