/** @module Inspection: the sanitised, JSON-safe stream of every actor's events and snapshots. */
export { createInspectionHub } from './inspection-hub.js';
export type { InspectionHub, InspectionHubOptions } from './inspection-hub.js';
export { sanitize, sanitizeEvent, tokenSummary, pendingSummary } from './sanitize.js';
export { toJsonSafe, isActorRef, MAX_JSON_SAFE_DEPTH } from './json-safe.js';
export type { KeyRule } from './json-safe.js';
export type {
  ActorMessage,
  EventMessage,
  InspectedEventJson,
  InspectedSnapshotJson,
  InspectionMessage,
  SnapshotMessage,
} from './inspection.types.js';
export { statelyInput, sanitizeStatelyEvent } from './stately.js';
export { WsInspectorAdapter } from './ws-adapter.js';
export type { WsAdapterOptions } from './ws-adapter.js';
