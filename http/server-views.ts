/**
 * @module The REST server views of `/api/v1/servers…` as JSON text, memoized. Rendering a view
 * (`serverView`, `redact`, `JSON.stringify`) costs ≈ 10 µs, and `GET /api/v1/servers` renders
 * every server's: each server's JSON is kept per actor snapshot (an actor answers the same
 * snapshot object until it changes) for the second it was rendered in, since views hold
 * countdowns and expiry checks that depend on the time; the whole answer is kept as UTF-8
 * while no snapshot changes within that second. Within one second an answer is the one
 * rendered at that second's first request: byte for byte what rendering it then gives.
 */
import type { AnyActorRef } from 'xstate';
import { serverView, type ServerView } from '../machines/upstream/server-view.js';
import { redact } from '../services/logger/index.js';
import type { Upstream, UpstreamSnapshot } from './upstreams.js';

/** The memoized views of one app. */
export interface ServerViews {
  /** The JSON text of one upstream's view. */
  one(upstream: Upstream): string;
  /** The JSON array of the views of the upstream actors `refs`, in their order, as UTF-8. */
  list(refs: readonly AnyActorRef[]): Uint8Array<ArrayBuffer>;
}

interface Rendered {
  second: number;
  /** The view before redaction. */
  view: ServerView;
  json: string;
}

interface RenderedList {
  second: number;
  refs: readonly AnyActorRef[];
  snapshots: UpstreamSnapshot[];
  /** Each view's JSON, in order. */
  parts: string[];
  body: Uint8Array<ArrayBuffer>;
}

/** Views memoized per snapshot and second of `now()`. */
export function serverViews(now: () => number): ServerViews {
  const rendered = new WeakMap<UpstreamSnapshot, Rendered>();
  let lastList: RenderedList | null = null;

  const jsonOf = (snapshot: UpstreamSnapshot, at: number, second: number): string => {
    const known = rendered.get(snapshot);
    if (known?.second === second) return known.json;
    const view = serverView(snapshot, at);
    // Most views do not depend on the time: when a new second leaves a view as it was, so is
    // its redacted JSON (redaction is a function of the view), at a fifth of the cost.
    if (known && sameJson(known.view, view)) {
      known.second = second;
      return known.json;
    }
    const json = JSON.stringify(redact(view));
    rendered.set(snapshot, { second, view, json });
    return json;
  };

  return {
    one(upstream) {
      const at = now();
      return jsonOf(upstream.snapshot, at, secondOf(at));
    },
    list(refs) {
      const at = now();
      const second = secondOf(at);
      if (lastList?.second === second && unchanged(lastList, refs)) return lastList.body;
      const snapshots = refs.map((ref) => ref.getSnapshot() as UpstreamSnapshot);
      const parts = snapshots.map((s) => jsonOf(s, at, second));
      const body =
        lastList && sameItems(lastList.parts, parts)
          ? lastList.body
          : Buffer.from(`[${parts.join(',')}]`, 'utf8');
      lastList = { second, refs, snapshots, parts, body };
      return body;
    },
  };
}

const secondOf = (ms: number) => Math.floor(ms / 1000);

/**
 * True when `refs` are the actors of `list` (the same array: see `upstreamRefs`) and none has
 * a new snapshot. Allocates nothing: it runs on every request.
 */
function unchanged(list: RenderedList, refs: readonly AnyActorRef[]): boolean {
  if (list.refs !== refs) return false;
  for (let i = 0; i < refs.length; i++) {
    if (refs[i]!.getSnapshot() !== list.snapshots[i]) return false;
  }
  return true;
}

/** True when both arrays hold equal strings in the same order. */
function sameItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True when `a` and `b` are equal plain data, keys in the same order: then their JSON is the
 * same. Anything else (a Date, a class instance) counts as different.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isPlainData(a) || !isPlainData(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== other[i] || !sameJson(a[key], b[key])) return false;
  }
  return true;
}

function isPlainData(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  return Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
}
