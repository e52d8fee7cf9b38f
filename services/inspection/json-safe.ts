/**
 * @module Turns whatever an actor holds (contexts, events, outputs) into plain JSON data:
 * functions and symbols dropped, actor refs and sessions named, class instances summarised,
 * cycles and depth bounded. Key rules let the caller summarise sensitive subtrees.
 */
import { redact } from '../logger/index.js';

/** Replaces the value under a key, or returns `undefined` to walk it as usual. */
export type KeyRule = (key: string, value: unknown) => unknown;

/** How deep the walk goes before `[Truncated]`. */
export const MAX_JSON_SAFE_DEPTH = 12;

interface Walk {
  rule: KeyRule;
  ancestors: Set<object>;
}

/** True for an XState actor ref (it has a session id and a `send` method). */
export function isActorRef(value: unknown): value is { id: string; sessionId: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { sessionId?: unknown }).sessionId === 'string' &&
    typeof (value as { send?: unknown }).send === 'function'
  );
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A JSON-data copy of `value`. Never throws; never calls `toJSON` or getters of class
 * instances (which may reach secrets or live connections).
 */
export function toJsonSafe(value: unknown, rule: KeyRule = () => undefined): unknown {
  return walk(value, 0, { rule, ancestors: new Set() });
}

function walk(value: unknown, depth: number, w: Walk): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
    case 'undefined':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (w.ancestors.has(obj)) return '[Circular]';
  if (depth >= MAX_JSON_SAFE_DEPTH) return '[Truncated]';
  w.ancestors.add(obj);
  try {
    return walkObject(obj, depth, w);
  } catch {
    return '[Unserializable]';
  } finally {
    w.ancestors.delete(obj);
  }
}

function walkObject(obj: object, depth: number, w: Walk): unknown {
  if (Array.isArray(obj)) return obj.map((item) => walk(item, depth + 1, w) ?? null);
  if (isActorRef(obj)) return `[actor ${obj.id}]`;
  if (obj instanceof Error) return redact(obj);
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (obj instanceof URL) return obj.href;
  if (obj instanceof Set) return [...obj].map((item) => walk(item, depth + 1, w) ?? null);
  if (obj instanceof Map) {
    return walkEntries(
      [...obj.entries()].map(([k, v]) => [String(k), v]),
      depth,
      w,
    );
  }
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer)
    return `[binary ${obj.byteLength} bytes]`;
  if (!isPlain(obj)) return `[${obj.constructor?.name || 'object'}]`;
  return walkEntries(Object.entries(obj), depth, w);
}

function walkEntries(
  entries: [string, unknown][],
  depth: number,
  w: Walk,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    const replaced = v === null || v === undefined ? undefined : w.rule(key, v);
    const next = replaced !== undefined ? replaced : walk(v, depth + 1, w);
    if (next !== undefined) out[key] = next;
  }
  return out;
}
