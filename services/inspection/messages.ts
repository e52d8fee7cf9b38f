/**
 * @module Reading an actor ref and its snapshots into the parts of an inspection message: ids,
 * names, and the sanitised `{ value, status, context }` snapshot.
 */
import type { ActorRefLike } from 'xstate';
import { sanitize } from './sanitize.js';
import type { InspectedSnapshotJson } from './inspection.types.js';

/** What a message says about the actor it concerns. */
export interface ActorIds {
  actorId: string;
  systemId?: string;
  parentId?: string;
  name: string;
  machine?: string;
}

interface ActorInternals {
  id?: unknown;
  systemId?: unknown;
  _parent?: { sessionId?: unknown };
  logic?: { id?: unknown; root?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The ids of `ref` (system id and parent are read when asked: they are set after creation). */
export function actorIds(ref: ActorRefLike): ActorIds {
  const internals = ref as ActorRefLike & ActorInternals;
  const ids: ActorIds = { actorId: ref.sessionId, name: str(internals.id) ?? ref.sessionId };
  const systemId = str(internals.systemId);
  const parentId = str(internals._parent?.sessionId);
  const machine = internals.logic?.root ? str(internals.logic.id) : undefined;
  if (systemId) ids.systemId = systemId;
  if (parentId) ids.parentId = parentId;
  if (machine) ids.machine = machine;
  return ids;
}

/** A sanitised snapshot; `undefined` when the actor has none yet. */
export function snapshotJson(snapshot: unknown): InspectedSnapshotJson | undefined {
  if (typeof snapshot !== 'object' || snapshot === null) return undefined;
  const s = snapshot as { value?: unknown; status?: unknown; context?: unknown };
  const out: InspectedSnapshotJson = { status: str(s.status) ?? 'active' };
  if (s.value !== undefined) out.value = sanitize(s.value);
  if (s.context !== undefined) out.context = sanitize(s.context);
  return out;
}

/** The snapshot of `ref` now, sanitised (an actor still being constructed has none). */
export function currentSnapshot(ref: ActorRefLike): InspectedSnapshotJson | undefined {
  try {
    return snapshotJson(ref.getSnapshot());
  } catch {
    return undefined;
  }
}
