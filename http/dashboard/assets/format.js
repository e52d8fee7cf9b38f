// mcpproxy dashboard: pure formatting helpers (state paths, event names, times).

/** The dotted path of a state value: `{ authenticated: 'refreshScheduled' }` → `authenticated.refreshScheduled`. */
export function statePath(value) {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return '';
  const [key, inner] = Object.entries(value)[0] ?? ['', undefined];
  return inner === undefined || inner === null ? key : `${key}.${statePath(inner)}`;
}

/** Every active state id of a path within machine `root`: `upstream`, `upstream.a`, `upstream.a.b`. */
export function activeIds(root, path) {
  const ids = [root];
  let id = root;
  for (const part of path.split('.').filter(Boolean)) ids.push((id = `${id}.${part}`));
  return ids;
}

/** A readable label for an XState event type. */
export function eventLabel(type) {
  let m = /^xstate\.after\.([^.]+)\./.exec(type) ?? /^xstate\.after\((.+?)\)/.exec(type);
  if (m) return `after ${m[1]}`;
  if ((m = /^xstate\.done\.actor\.(.+)$/.exec(type))) return `done: ${m[1]}`;
  if ((m = /^xstate\.error\.actor\.(.+)$/.exec(type))) return `error: ${m[1]}`;
  if (type === 'xstate.init') return 'start';
  return type;
}

/** `12:00:05.123` for an ISO time. */
export function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

/** Whole seconds left until `iso` (rounded up, as the API counts them), 0 once it passed. */
export function secondsUntil(iso, now = Date.now()) {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now) / 1000));
}

/** `in 25 s`, `in 4 min`, `12 s ago` relative to now (seconds ahead rounded up, like the API). */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const ms = new Date(iso).getTime() - now;
  const s = ms > 0 ? Math.ceil(ms / 1000) : -Math.floor(-ms / 1000);
  const abs = Math.abs(s);
  const text =
    abs < 120
      ? `${abs} s`
      : abs < 7200
        ? `${Math.round(abs / 60)} min`
        : `${Math.round(abs / 3600)} h`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}
