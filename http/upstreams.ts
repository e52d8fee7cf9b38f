/**
 * @module Reading the supervisor: its upstream children by name, their snapshots, and whether a
 * server is usable. HTTP never keeps its own copy of a server's status; it reads these.
 */
import type { AnyActorRef, StateValue } from 'xstate';
import { statePath } from '../machines/upstream/health.js';
import type { SupervisorContext } from '../machines/supervisor/supervisor.types.js';
import type { UpstreamContext } from '../machines/upstream/upstream.types.js';
import { NotFoundError } from '../services/errors.js';

/** An upstream actor's snapshot as HTTP reads it. */
export interface UpstreamSnapshot {
  value: StateValue;
  context: UpstreamContext;
  status: string;
}

/** One upstream: its name, actor and current snapshot. */
export interface Upstream {
  name: string;
  ref: AnyActorRef;
  snapshot: UpstreamSnapshot;
}

/** The supervisor's snapshot as HTTP reads it. */
export interface SupervisorSnapshot {
  value: StateValue;
  context: SupervisorContext;
  status: string;
}

/** The supervisor's current snapshot. */
export function supervisorSnapshot(supervisor: AnyActorRef): SupervisorSnapshot {
  return supervisor.getSnapshot() as SupervisorSnapshot;
}

/** Every upstream, sorted by name. */
export function listUpstreams(supervisor: AnyActorRef): Upstream[] {
  const { names, refs } = sortedChildren(supervisor);
  return refs.map((ref, i) => ({
    name: names[i]!,
    ref,
    snapshot: ref.getSnapshot() as UpstreamSnapshot,
  }));
}

/**
 * Every upstream actor, sorted by name: the same array until a server comes or goes, so a
 * caller that reads all their snapshots on every request allocates nothing.
 */
export function upstreamRefs(supervisor: AnyActorRef): readonly AnyActorRef[] {
  return sortedChildren(supervisor).refs;
}

type Children = SupervisorContext['children'];

interface SortedChildren {
  names: string[];
  refs: AnyActorRef[];
}

/**
 * The children sorted by name, once per children object: the supervisor's context is
 * immutable (it assigns a new object whenever a child comes or goes), and sorting a thousand
 * names on every `GET /api/v1/servers` showed in its profile.
 */
const sorted = new WeakMap<Children, SortedChildren>();

function sortedChildren(supervisor: AnyActorRef): SortedChildren {
  const children = supervisorSnapshot(supervisor).context.children ?? {};
  let entry = sorted.get(children);
  if (!entry) {
    const names = Object.keys(children).sort();
    entry = { names, refs: names.map((name) => children[name]!) };
    sorted.set(children, entry);
  }
  return entry;
}

/** The upstream named `name`, or undefined (own keys only: `__proto__` is no server). */
export function findUpstream(supervisor: AnyActorRef, name: string): Upstream | undefined {
  const children = supervisorSnapshot(supervisor).context.children ?? {};
  if (!Object.hasOwn(children, name)) return undefined;
  const ref = children[name]!;
  return { name, ref, snapshot: ref.getSnapshot() as UpstreamSnapshot };
}

/** The upstream named `name`; NotFoundError when there is none. */
export function requireUpstream(supervisor: AnyActorRef, name: string): Upstream {
  const upstream = findUpstream(supervisor, name);
  if (!upstream) throw new NotFoundError(`No server named "${name}" is configured.`);
  return upstream;
}

/** The top-level state of an upstream snapshot (`authenticated` for `authenticated.refreshing`). */
export function topState(snapshot: UpstreamSnapshot): string {
  return statePath(snapshot.value).split('.')[0]!;
}

/** States whose live session takes calls (`loggingIn` keeps the session it had, if any). */
const USABLE = new Set(['connected', 'authenticated', 'degraded', 'loggingIn']);

/** Whether tool calls can go to this upstream now (a live session in a usable state). */
export function isUsable(snapshot: UpstreamSnapshot): boolean {
  return USABLE.has(topState(snapshot)) && snapshot.context.session !== null;
}
