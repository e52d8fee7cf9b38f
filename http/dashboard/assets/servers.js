// mcpproxy dashboard: the servers table (health, OAuth badges, token times, buttons).
import { relative, secondsUntil } from './format.js';

/** The badge text of an `oauth_status` (SPEC §7 names the first three). */
export const BADGES = {
  expired: 'Token expired',
  error: 'Auth error',
  login_required: 'Login required',
  authenticated: 'Authenticated',
  retrying: 'Refresh failing',
};

const top = (view) => view.state.split('.')[0];

/** Login: OAuth is needed and the server is not connected or its token expired. */
export function wantsLogin(view) {
  if (['idle', 'stopped'].includes(top(view))) return false;
  return ['login_required', 'expired', 'error'].includes(view.oauth_status);
}

/** Logout: the server holds a login (authenticated, or refreshing it). */
export function canLogout(view) {
  return view.oauth !== null && ['authenticated', 'retrying'].includes(view.oauth_status);
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function button(action, label, name) {
  const b = el('button', { type: 'button', textContent: label });
  b.dataset.action = action;
  b.dataset.server = name;
  return b;
}

function tokenCell(view, now) {
  const o = view.oauth;
  if (!o) return el('td', { className: 'token muted', textContent: '—' });
  const lines = [];
  if (o.expires_at) lines.push(`expires ${relative(o.expires_at, now)}`);
  if (o.refresh_at && top(view) === 'authenticated')
    lines.push(`refresh ${relative(o.refresh_at, now)}`);
  // Numbered like the API's health detail ("Retry 1 in 7s"): retry_count is the failures so far.
  if (o.next_retry_at) lines.push(`retry ${o.retry_count} ${relative(o.next_retry_at, now)}`);
  const td = el('td', { className: 'token' }, lines.join(' · ') || '—');
  if (o.last_error) td.append(el('div', { className: 'detail-text', textContent: o.last_error }));
  return td;
}

/** "Retry 2 in 30s: …" / "Refresh retry 2 in 30s: …" of the API's health detail. */
const RETRY_IN = /^((?:Refresh r|R)etry \d+ in )\d+(s)/;

/**
 * The health detail at `now`: the API wrote its retry countdown when it answered, so the seconds
 * are counted again from `oauth.next_retry_at`. Servers without OAuth have no retry time in the
 * view: theirs stays as the API wrote it.
 */
function healthDetail(view, now) {
  const at = view.oauth?.next_retry_at;
  if (!at) return view.health.detail;
  return view.health.detail.replace(
    RETRY_IN,
    (_, head, unit) => head + secondsUntil(at, now) + unit,
  );
}

function healthCell(view, now) {
  const level = el('span', { className: 'level', textContent: view.health.level });
  level.dataset.level = view.health.level;
  const health = el(
    'td',
    { className: 'health' },
    level,
    el('span', { className: 'summary', textContent: view.health.summary }),
  );
  // There is no enable route: the config is where a disabled server comes back.
  const detail =
    healthDetail(view, now) || (view.enabled === false ? 'Disabled in the config file' : '');
  if (detail) health.append(el('div', { className: 'detail-text', textContent: detail }));
  return health;
}

function row(view, selected, now) {
  const tr = el('tr');
  tr.dataset.server = view.name;
  tr.dataset.state = view.state;
  tr.dataset.oauthStatus = view.oauth_status;
  if (view.name === selected) tr.classList.add('selected');

  const oauth = el('td', { className: 'oauth' });
  const label = BADGES[view.oauth_status];
  if (label) {
    const badge = el('span', { className: 'badge', textContent: label });
    badge.dataset.status = view.oauth_status;
    oauth.append(badge);
  } else
    oauth.append(
      el('span', {
        className: 'muted',
        textContent: view.oauth_status === 'none' ? 'no OAuth' : view.oauth_status,
      }),
    );

  const actions = el('td', { className: 'actions' });
  if (wantsLogin(view)) actions.append(button('login', 'Login', view.name));
  if (canLogout(view)) actions.append(button('logout', 'Logout', view.name));
  if (top(view) !== 'idle') actions.append(button('restart', 'Restart', view.name));

  tr.append(
    el(
      'td',
      {},
      el('div', { className: 'name', textContent: view.name }),
      el('div', { className: 'url', textContent: view.url ?? view.protocol }),
    ),
    healthCell(view, now),
    oauth,
    tokenCell(view, now),
    el('td', {}, el('code', { className: 'state-path', textContent: view.state })),
    actions,
  );
  return tr;
}

/**
 * Re-renders the table body from the server views, touching only what changed: a row whose view
 * changed has just its changed cells replaced, and rows are moved only when the order changes.
 * A row taken out of the document and put back (`replaceChildren`) would cancel a click whose
 * button is pressed at that moment, so a Login click on one row survives another row's update.
 */
export function renderServers(views, selected, now = Date.now()) {
  const tbody = document.querySelector('#servers tbody');
  const names = new Set(views.map((view) => view.name));
  for (const tr of [...tbody.children]) if (!names.has(tr.dataset.server)) tr.remove();
  const existing = new Map([...tbody.children].map((tr) => [tr.dataset.server, tr]));
  views.forEach((view, i) => {
    const signature = JSON.stringify(view) + (view.name === selected ? '*' : '');
    let tr = existing.get(view.name);
    if (!tr) tr = row(view, selected, now);
    else if (tr.dataset.signature !== signature) patchRow(tr, row(view, selected, now));
    tr.dataset.signature = signature;
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
  });
  document.getElementById('empty').hidden = views.length > 0;
}

/** Brings the rendered `tr` to `fresh`: its attributes, and each cell that differs. */
function patchRow(tr, fresh) {
  tr.className = fresh.className;
  tr.dataset.state = fresh.dataset.state;
  tr.dataset.oauthStatus = fresh.dataset.oauthStatus;
  [...fresh.children].forEach((cell, j) => {
    const old = tr.children[j];
    if (!old) tr.append(cell);
    else if (!old.isEqualNode(cell)) old.replaceWith(cell);
  });
}

/** Updates the time-dependent cells ("expires in 25 s", "Retry 1 in 7s") of the rendered rows. */
export function tickTimes(views, now = Date.now()) {
  for (const view of views) {
    const tr = document.querySelector(`#servers tr[data-server="${CSS.escape(view.name)}"]`);
    if (!tr) continue;
    for (const fresh of [healthCell(view, now), tokenCell(view, now)]) {
      const old = tr.querySelector(`td.${fresh.className.split(' ')[0]}`);
      if (old && !old.isEqualNode(fresh)) old.replaceWith(fresh);
    }
  }
}
