// mcpproxy dashboard: the recent-events log of each server, fed by the inspection stream
// (transitions of its actor) and by the proxy's OAuth events.
import { clock, eventLabel, statePath } from './format.js';

const MAX = 150;
const logs = new Map(); // server → entries, newest last
const lastPath = new Map(); // actorId → state path of its last snapshot seen

function push(server, entry) {
  if (!logs.has(server)) logs.set(server, []);
  const list = logs.get(server);
  list.push(entry);
  if (list.length > MAX) list.splice(0, list.length - MAX);
}

/** Records an inspected snapshot of an upstream actor; returns its state path. */
export function noteSnapshot(server, message) {
  const to = statePath(message.snapshot?.value);
  const from = lastPath.get(message.actorId);
  lastPath.set(message.actorId, to);
  const error = message.event?.error?.message;
  push(server, {
    at: message.createdAt,
    event: eventLabel(message.event?.type ?? ''),
    from,
    to,
    error,
    quiet: from === to,
  });
  return to;
}

const ISO = (ms) => (ms ? new Date(ms).toISOString() : null);

/** Records a proxy event (`oauth.token_refreshed`, `oauth.refresh_failed`, `oauth.login_required`). */
export function noteProxyEvent(event) {
  const texts = {
    'oauth.token_refreshed': () =>
      `token refreshed, expires ${clock(event.expires_at).slice(0, 8)}`,
    'oauth.refresh_failed': () => `refresh failed (${event.result}): ${event.error}`,
    'oauth.login_required': () => `login required: ${event.reason}`,
  };
  const text = texts[event.type]?.();
  if (text)
    push(event.server, { at: event.timestamp ?? ISO(Date.now()), event: event.type, note: text });
}

function item(entry) {
  const li = document.createElement('li');
  if (entry.quiet) li.className = 'quiet';
  const time = Object.assign(document.createElement('time'), { textContent: clock(entry.at) });
  const ev = Object.assign(document.createElement('span'), {
    className: 'ev',
    textContent: entry.event,
  });
  li.append(time, ev, ' ');
  const rest = document.createElement('span');
  if (entry.note) rest.textContent = entry.note;
  else {
    rest.className = 'to';
    rest.textContent =
      entry.from === undefined
        ? `→ ${entry.to}`
        : entry.quiet
          ? `(stays in ${entry.to})`
          : `${entry.from} → ${entry.to}`;
    if (entry.error) rest.textContent += ` — ${entry.error}`;
  }
  li.append(rest);
  return li;
}

/** Shows the log of `server`, newest first. */
export function renderLog(server) {
  const list = document.getElementById('log');
  const at = (entry) => new Date(entry.at).getTime() || 0;
  const entries = (logs.get(server) ?? []).slice().sort((a, b) => at(b) - at(a));
  list.replaceChildren(...entries.map(item));
}
