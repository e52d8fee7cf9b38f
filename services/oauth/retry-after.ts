/** @module `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as milliseconds from now. */

/**
 * Parses a `Retry-After` value into milliseconds from `now`. Answers null for a missing or
 * unparsable value; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  // A number of seconds too large to count is still a finite (very long) delay.
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Units of {@link formatDelay}, largest first. */
const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/**
 * `250ms`, `20s`, `2m 5s`, `1h 30m`, `3d 4h`: a short human rendering of a delay for messages.
 * Only the two largest units are shown: seconds do not matter in a wait of hours.
 */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  const i = UNITS.findIndex(([, size]) => seconds >= size);
  const [name, size] = UNITS[i];
  const whole = `${Math.floor(seconds / size)}${name}`;
  const next = UNITS[i + 1];
  if (!next) return whole;
  const rest = Math.floor((seconds % size) / next[1]);
  return rest === 0 ? whole : `${whole} ${rest}${next[0]}`;
}
