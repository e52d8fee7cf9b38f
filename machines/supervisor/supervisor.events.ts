/** @module Events the supervisor accepts: from its children, its store actor and the outside. */
import type { UpstreamToParent } from '../upstream/upstream.events.js';
import type { ServerSpec, StoreReport } from './supervisor.types.js';

export type SupervisorCommand =
  | { type: 'config.updated'; servers: ServerSpec[] }
  | { type: 'clock.jumped' }
  | { type: 'supervisor.stop' };

export type SupervisorEvent = SupervisorCommand | UpstreamToParent | StoreReport;
