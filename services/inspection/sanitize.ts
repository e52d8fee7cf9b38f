/**
 * @module Sanitising what actors hold before it leaves the process as an inspection event: token
 * responses and pending records become summaries, registrations lose their secrets, header and
 * environment values are hidden, sessions and tool schemas are abbreviated, then `redact` scrubs
 * secret keys and secrets inside strings at every depth.
 */
import { REDACTED, redact } from '../logger/index.js';
import { toJsonSafe, type KeyRule } from './json-safe.js';
import type { InspectedEventJson } from './inspection.types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const pick = (from: Obj, keys: string[]): Obj =>
  Object.fromEntries(
    keys
      .filter((k) => typeof from[k] === 'number' || typeof from[k] === 'string')
      .map((k) => [k, from[k]]),
  );

/** What a token response shows: its shape and lifetimes, never a token. */
export function tokenSummary(tokens: Obj): Obj {
  const summary: Obj = {
    access_token: REDACTED,
    ...pick(tokens, [
      'token_type',
      'expires_in',
      'scope',
      'refresh_token_expires_in',
      'refresh_expires_in',
      'issuer',
    ]),
  };
  if (tokens.refresh_token !== undefined) summary.refresh_token = REDACTED;
  if (tokens.id_token !== undefined) summary.id_token = REDACTED;
  return summary;
}

/** What a not-yet-acknowledged record shows: which generation, and until when it is valid. */
export function pendingSummary(record: Obj): Obj {
  return {
    ...pick(record, ['generation', 'issued_at', 'expires_at']),
    tokens: isObj(record.tokens) ? REDACTED : null,
  };
}

function registrationSummary(registration: Obj): Obj {
  const out: Obj = { ...registration };
  for (const key of Object.keys(out)) {
    if (/secret|registration_access_token/i.test(key) && out[key] !== undefined)
      out[key] = REDACTED;
  }
  return out;
}

function hideStrings(values: Obj): Obj {
  const entries = Object.entries(values).filter(([, v]) => typeof v === 'string');
  return Object.fromEntries(entries.map(([k]) => [k, REDACTED]));
}

/** The rules above, by key; anything else is walked as usual. */
const inspectionRule: KeyRule = (key, value) => {
  switch (key) {
    case 'tokens':
      return isObj(value) ? tokenSummary(value) : undefined;
    case 'pending':
      return isObj(value) ? pendingSummary(value) : undefined;
    case 'registration':
      return isObj(value) ? registrationSummary(value) : undefined;
    case 'env':
    case 'headers':
      // Values of an upstream's environment and headers are often credentials with any name.
      return isObj(value) ? hideStrings(value) : undefined;
    case 'session':
      return isObj(value) ? '[session]' : undefined;
    case 'tools':
      return Array.isArray(value) && value.every((t) => isObj(t) && typeof t.name === 'string')
        ? value.map((t) => (t as Obj).name)
        : undefined;
    default:
      return undefined;
  }
};

/** A JSON-safe, secret-free copy of any value an actor holds or receives. */
export function sanitize(value: unknown): unknown {
  return redact(toJsonSafe(value, inspectionRule));
}

/** A sanitised event object; always has a string `type`. */
export function sanitizeEvent(event: unknown): InspectedEventJson {
  const clean = sanitize(event);
  const type = isObj(event) && typeof event.type === 'string' ? event.type : 'unknown';
  return { ...(isObj(clean) ? clean : {}), type };
}
