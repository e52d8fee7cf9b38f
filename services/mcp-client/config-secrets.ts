/**
 * @module The values mcpproxy hands one upstream as configuration (stdio `env` values, `headers`
 * values, the OAuth `client_secret`), scrubbed out of text that comes back from that upstream —
 * stderr lines, error messages — before it is logged, kept in an error or shown.
 */
import type { UpstreamEntry } from '../../machines/upstream/upstream.types.js';
import { redactString } from '../logger/redact-string.js';
import { REDACTED } from '../logger/secret-names.js';

/** Scrubs one text of one upstream. */
export type Scrub = (text: string) => string;

/** Shorter values are left alone: replacing every `1` or `on` would mangle the text around it. */
export const MIN_SECRET_LENGTH = 4;

/** `Bearer <token>` and the like: an upstream may quote the credential without its scheme. */
const SCHEME_RE = /^(?:bearer|basic|token|dpop|bot)\s+(\S+)$/i;

/** How far down a `cause` chain `scrubError` goes. */
const MAX_CAUSES = 6;

/**
 * The configuration values of `entry` as they may come back: as given, JSON-escaped and
 * URL-encoded, and the credential of a `<scheme> <credential>` header alone; each at least
 * {@link MIN_SECRET_LENGTH} characters, longest first.
 */
export function configSecrets(entry: UpstreamEntry): string[] {
  const values = [
    ...Object.values(entry.env),
    ...Object.values(entry.headers),
    entry.oauth?.client_secret ?? '',
  ];
  const forms = new Set<string>();
  for (const value of values) {
    const credential = SCHEME_RE.exec(value)?.[1];
    // A multi-line value (a PEM key, a JSON credential) comes back a line at a time on stderr.
    const lines = value.includes('\n') ? value.split(/\r?\n/).map((line) => line.trim()) : [];
    for (const v of [value, ...(credential ? [credential] : []), ...lines]) {
      for (const form of [v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]) {
        if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
      }
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * The scrubber of one upstream's text: its configuration values ({@link configSecrets}) become
 * `[REDACTED]` in one pass (a value met inside a longer one goes with it), then `redactString`
 * applies the generic patterns.
 */
export function upstreamScrubber(entry: UpstreamEntry): Scrub {
  const secrets = configSecrets(entry);
  if (secrets.length === 0) return redactString;
  // Alternation tries the longest value first at each position.
  const pattern = new RegExp(
    secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
    'g',
  );
  return (text) => redactString(text.replace(pattern, REDACTED));
}

/**
 * Scrubs `error` in place, down its `cause` chain: message, stack and string fields. Wrapping
 * errors quote the message and keep the error as `cause`, which logs and inspection events
 * show, so the error itself must be clean. Answers `error`.
 */
export function scrubError<T>(error: T, scrub: Scrub): T {
  const seen = new Set<object>();
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSES && current instanceof Error; depth += 1) {
    if (seen.has(current)) break;
    seen.add(current);
    const fields = current as unknown as Record<string, unknown>;
    for (const key of new Set(['message', 'stack', ...Object.keys(current)])) {
      const value = fields[key];
      if (typeof value !== 'string') continue;
      const clean = scrub(value);
      if (clean === value) continue;
      try {
        fields[key] = clean;
      } catch {
        // A read-only field (a DOMException's message): such errors are the runtime's, not text
        // the upstream sent.
      }
    }
    current = current.cause;
  }
  return error;
}
