/**
 * @module Deep redaction of any value before it leaves the process (logs, REST answers, SSE and
 * inspection events): secret keys at every depth, secrets inside strings, errors without stacks.
 */
import { REDACTED, isSecretKey } from './secret-names.js';
import { redactString } from './redact-string.js';

/** How deep `redact` walks before replacing the rest with `[Truncated]`. */
export const MAX_REDACT_DEPTH = 16;

export interface RedactOptions {
  /** Keep (scrubbed) `stack` on errors. Only the logger at `trace` sets it. */
  includeStack?: boolean;
  /** Depth bound; deeper values become `[Truncated]`. Default {@link MAX_REDACT_DEPTH}. */
  maxDepth?: number;
}

interface Walk {
  readonly includeStack: boolean;
  readonly maxDepth: number;
  /** Objects on the current path: a repeat is a cycle, a shared sibling is not. */
  readonly ancestors: Set<object>;
}

/**
 * Returns a JSON-friendly copy of `value` with secrets replaced by `[REDACTED]`: values of
 * secret keys (`access_token`, `Authorization`, `client_secret`, `code` …, case-insensitive) at
 * any depth of objects, arrays, `Map`s and `Headers`; secrets inside strings (see
 * `redactString`); `Error`s as `{ type, message, code, … }` without stack. Cycles become
 * `[Circular]`. Never throws. `code` is kept when it is a number or sits next to a `message`
 * (an error code, as in REST error bodies), since an OAuth authorization code is neither.
 */
export function redact(value: unknown, options: RedactOptions = {}): unknown {
  return walk(value, 0, {
    includeStack: options.includeStack ?? false,
    maxDepth: options.maxDepth ?? MAX_REDACT_DEPTH,
    ancestors: new Set(),
  });
}

function walk(value: unknown, depth: number, w: Walk): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (w.ancestors.has(value)) return '[Circular]';
  if (depth >= w.maxDepth) return '[Truncated]';
  w.ancestors.add(value);
  try {
    return walkObject(value, depth, w);
  } catch {
    return '[Unserializable]';
  } finally {
    w.ancestors.delete(value);
  }
}

function walkObject(value: object, depth: number, w: Walk): unknown {
  // Most of what REST answers and logs carry is plain objects: skip the instanceof ladder.
  if (Object.getPrototypeOf(value) === Object.prototype && !('toJSON' in value)) {
    return walkEntries(ownEntries(value), depth, w);
  }
  if (value instanceof Error) return walkError(value, depth, w);
  if (value instanceof Date) return value;
  if (value instanceof URL) return redactString(value.href);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `[binary ${value.byteLength} bytes]`;
  }
  if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, w));
  if (value instanceof Set) return [...value].map((item) => walk(item, depth + 1, w));
  if (value instanceof Map || value instanceof Headers) {
    const entries = [...value.entries()].map(([k, v]): [string, unknown] => [String(k), v]);
    return walkEntries(entries, depth, w);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1, w);
  return walkEntries(ownEntries(value), depth, w);
}

function walkEntries(
  entries: [string, unknown][],
  depth: number,
  w: Walk,
): Record<string, unknown> {
  let errorShaped = false;
  for (const [k] of entries) if (k === 'message') errorShaped = true;
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    const value = isSecretValue(key, v, errorShaped) ? REDACTED : walk(v, depth + 1, w);
    // An own `__proto__` key stays an own property (as with Object.fromEntries).
    if (key === '__proto__') {
      Object.defineProperty(out, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[key] = value;
    }
  }
  return out;
}

function isSecretValue(key: string, v: unknown, errorShaped: boolean): boolean {
  if (v === null || v === undefined || typeof v === 'boolean') return false;
  if (!isSecretKey(key)) return false;
  if (key.toLowerCase() === 'code') return !(typeof v === 'number' || errorShaped);
  return true;
}

function walkError(err: Error, depth: number, w: Walk): Record<string, unknown> {
  const code = (err as { code?: unknown }).code;
  const skip = new Set(['name', 'message', 'stack', 'code', 'cause']);
  const out: Record<string, unknown> = {
    type: typeof err.name === 'string' && err.name ? err.name : 'Error',
    message: redactString(String(err.message)),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    // Extra fields (`result`, `retryAfterMs`, `status` …) help; they are redacted like the rest.
    ...walkEntries(
      ownEntries(err).filter(([k]) => !skip.has(k)),
      depth,
      w,
    ),
  };
  if (err.cause !== undefined) out.cause = walk(err.cause, depth + 1, w);
  if (err instanceof AggregateError) out.errors = walk(err.errors, depth + 1, w);
  if (w.includeStack && typeof err.stack === 'string') out.stack = redactString(err.stack);
  return out;
}

/** Own enumerable entries; a getter that throws yields `[Unreadable]` instead of an exception. */
function ownEntries(value: object): [string, unknown][] {
  return Object.keys(value).map((key) => {
    try {
      return [key, (value as Record<string, unknown>)[key]];
    } catch {
      return [key, '[Unreadable]'];
    }
  });
}
