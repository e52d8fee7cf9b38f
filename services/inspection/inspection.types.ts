/**
 * @module The JSON-safe inspection messages of `GET /api/v1/inspect`: one per actor created,
 * event received and snapshot taken, with every context and event sanitised.
 */

/** A sanitised actor snapshot: the state value, the status and the context, all JSON data. */
export interface InspectedSnapshotJson {
  /** The state value (`{ authenticated: 'refreshScheduled' }`); absent for non-machine actors. */
  value?: unknown;
  status: string;
  /** The sanitised context: secrets redacted, tokens summarised, no functions or sessions. */
  context?: unknown;
}

/** A sanitised event: `type` plus its JSON-safe, redacted payload. */
export interface InspectedEventJson {
  type: string;
  [key: string]: unknown;
}

interface MessageBase {
  /** The actor's session id (unique per actor, e.g. `x:3`). */
  actorId: string;
  /** The actor's system id when it has one (`supervisor`, `upstream:github`). */
  systemId?: string;
  /** The session id of the actor's parent. */
  parentId?: string;
  /** The session id of the root actor of its system. */
  rootId: string;
  /** When the hub saw it (RFC 3339, real time). */
  createdAt: string;
}

/** An actor was created (also sent to late subscribers, with its latest snapshot). */
export interface ActorMessage extends MessageBase {
  type: '@xstate.actor';
  /** The actor's id in its parent (`upstream:github`, `refresh`) or its session id. */
  name: string;
  /** The machine id when the actor runs a state machine (`upstream`, `supervisor`). */
  machine?: string;
  snapshot: InspectedSnapshotJson;
}

/** An event was delivered to the actor. */
export interface EventMessage extends MessageBase {
  type: '@xstate.event';
  event: InspectedEventJson;
  /** The session id of the sender, when an actor sent it. */
  sourceId?: string;
}

/** The actor took a new snapshot because of `event`. */
export interface SnapshotMessage extends MessageBase {
  type: '@xstate.snapshot';
  event: InspectedEventJson;
  snapshot: InspectedSnapshotJson;
}

/** Everything `GET /api/v1/inspect` streams. */
export type InspectionMessage = ActorMessage | EventMessage | SnapshotMessage;
