/**
 * @module Feeding `@statelyai/inspect` without letting raw actor data reach it: inspection events
 * are rebuilt around a stand-in actor ref whose snapshot is already sanitised, and every Stately
 * event is sanitised again (`sanitizeStatelyEvent`) before an adapter sends it anywhere.
 */
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import type { ActorRefLike, AnyEventObject, InspectionEvent } from 'xstate';
import { actorIds, currentSnapshot, snapshotJson } from './messages.js';
import { sanitize, sanitizeEvent } from './sanitize.js';
import type { InspectedSnapshotJson } from './inspection.types.js';

/** The parts of an actor ref `@statelyai/inspect` reads, holding only sanitised data. */
interface StandInRef {
  id: string;
  sessionId: string;
  _parent?: { sessionId: string };
  logic?: { config: unknown };
  send(): void;
  getSnapshot(): InspectedSnapshotJson;
}

function standIn(ref: ActorRefLike): StandInRef {
  const ids = actorIds(ref);
  const logic = (ref as { logic?: { root?: unknown; config?: unknown } }).logic;
  return {
    id: ids.name,
    sessionId: ids.actorId,
    ...(ids.parentId ? { _parent: { sessionId: ids.parentId } } : {}),
    // The machine definition (states, transitions, names) is what Stately draws; it holds no data.
    ...(logic?.root ? { logic: { config: logic.config } } : {}),
    send() {},
    // Read when the library converts the event (after construction, when a snapshot exists).
    getSnapshot: () => currentSnapshot(ref) ?? { status: 'active' },
  };
}

/**
 * The inspection event to hand to a `@statelyai/inspect` inspector, with the actor ref replaced
 * by a stand-in and event and snapshot sanitised; `undefined` for kinds Stately does not show.
 */
export function statelyInput(event: InspectionEvent): InspectionEvent | undefined {
  const actorRef = standIn(event.actorRef) as unknown as ActorRefLike;
  switch (event.type) {
    case '@xstate.actor':
      return { type: event.type, rootId: event.rootId, actorRef };
    case '@xstate.event': {
      const sourceRef = event.sourceRef
        ? (standIn(event.sourceRef) as unknown as ActorRefLike)
        : undefined;
      return {
        type: event.type,
        rootId: event.rootId,
        actorRef,
        sourceRef,
        event: sanitizeEvent(event.event),
      };
    }
    case '@xstate.snapshot':
      return {
        type: event.type,
        rootId: event.rootId,
        actorRef,
        event: sanitizeEvent(event.event),
        snapshot: (snapshotJson(event.snapshot) ?? { status: 'active' }) as never,
      };
    default:
      return undefined;
  }
}

/** A Stately event with its snapshot reduced to `{ value, status, context }` and all sanitised. */
export function sanitizeStatelyEvent(event: StatelyInspectionEvent): StatelyInspectionEvent {
  const out = { ...event } as Record<string, unknown>;
  if ('snapshot' in event && event.snapshot !== undefined) {
    out.snapshot = snapshotJson(event.snapshot) ?? { status: 'active' };
  }
  if ('event' in event && event.event !== undefined) {
    out.event = sanitizeEvent(event.event as AnyEventObject);
  }
  if (typeof out.definition === 'string') out.definition = sanitize(out.definition);
  return out as unknown as StatelyInspectionEvent;
}
