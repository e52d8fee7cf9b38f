// mcpproxy dashboard: boot and wiring. Servers come from REST and refresh on /api/v1/events;
// the selected server's statechart and log follow /api/v1/inspect, live.
import { api, ApiKeyError, keyAdvice, stream } from './api.js';
import { demoFail, login, logout, restart } from './actions.js';
import { drawChart } from './chart-svg.js';
import { clock, relative } from './format.js';
import { renderServers, tickTimes } from './servers.js';
import { noteProxyEvent, noteSnapshot, renderLog } from './timeline.js';

const state = {
  views: [],
  selected: null,
  chart: null,
  reload: null,
  reloadSince: 0,
  /** How many `upstream.state` events came so far, and the count at each server's latest one. */
  events: 0,
  touched: new Map(),
  /** Number of the latest `GET /api/v1/servers` sent, and of the latest one shown. */
  requested: 0,
  shown: 0,
};
const actors = new Map(); // actorId → server name

function render() {
  renderServers(state.views, state.selected);
  renderDetail();
  if (state.selected) renderLog(state.selected);
}

function renderDetail(highlight = true) {
  const view = state.views.find((v) => v.name === state.selected);
  document.getElementById('detail').hidden = !view;
  if (!view) return;
  document.getElementById('detail-name').textContent = view.name;
  if (highlight) document.getElementById('detail-state').textContent = view.state;
  if (highlight) state.chart?.highlight(view.state);
  const o = view.oauth;
  const countdown = !o
    ? ''
    : view.state.startsWith('authenticated') && o.refresh_at
      ? `next token refresh ${relative(o.refresh_at)} (${clock(o.refresh_at).slice(0, 8)})`
      : o.next_retry_at
        ? `next retry ${relative(o.next_retry_at)}`
        : '';
  document.getElementById('detail-countdown').textContent = countdown;
}

/** Shows why the page cannot show the servers (or hides that note when `text` is null). */
function notice(text) {
  const note = document.getElementById('problem');
  note.hidden = text === null;
  note.textContent = text ?? '';
}

const conn = () => document.getElementById('conn');

/** Sets the connection badge: `state` for its colour, `text` to read, `title` to explain. */
function badge(state, text, title = 'Live updates') {
  Object.assign(conn(), { textContent: text, title });
  conn().dataset.state = state;
}

/** A rejected (or missing) API key: the proxy is reachable, the page just cannot use it. */
function keyProblem(error) {
  notice(keyAdvice(error));
  badge('unauthorized', error.sent ? 'API key rejected' : 'API key needed', keyAdvice(error));
}

function select(name) {
  state.selected = name;
  const view = state.views.find((v) => v.name === name);
  if (view) state.chart?.highlight(view.state, false);
  render();
}

/**
 * Shows the servers REST answers with. Answers can come back out of order, and an answer can be
 * older than a state event that arrived while it was on its way: neither rolls a row back. Such a
 * server keeps its event-updated view, and the reload that event asked for brings the rest.
 */
async function loadServers() {
  const sent = ++state.requested;
  const eventsBefore = state.events;
  const answer = await api('/api/v1/servers');
  if (sent < state.shown) return;
  state.shown = sent;
  const current = new Map(state.views.map((view) => [view.name, view]));
  state.views = answer.map((view) =>
    (state.touched.get(view.name) ?? 0) > eventsBefore && current.has(view.name)
      ? current.get(view.name)
      : view,
  );
  if (!state.views.some((v) => v.name === state.selected))
    state.selected = state.views[0]?.name ?? null;
  notice(null);
  render();
}

/** Reloads the servers 120 ms after the last event, and at least once a second while they flow. */
function reloadSoon() {
  const now = Date.now();
  if (state.reload === null) state.reloadSince = now;
  clearTimeout(state.reload);
  const wait = Math.max(0, Math.min(120, state.reloadSince + 1000 - now));
  state.reload = setTimeout(() => {
    state.reload = null;
    loadServers().catch(() => {});
  }, wait);
}

function onUpstreamState(event) {
  state.touched.set(event.server, ++state.events);
  const view = state.views.find((v) => v.name === event.server);
  if (view)
    Object.assign(view, {
      state: event.state,
      health: event.health,
      oauth_status: event.oauth_status,
    });
  render();
  reloadSoon();
}

function onInspected(message) {
  const server = message.systemId?.startsWith('upstream:')
    ? message.systemId.slice('upstream:'.length)
    : actors.get(message.actorId);
  if (!server) return;
  actors.set(message.actorId, server);
  if (message.type !== '@xstate.snapshot' || !message.snapshot?.value) return;
  const path = noteSnapshot(server, message);
  if (server === state.selected) {
    state.chart?.highlight(path);
    document.getElementById('detail-state').textContent = path;
    renderLog(server);
  }
}

function wire() {
  document.querySelector('#servers tbody').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) {
      const { action, server } = button.dataset;
      ({ login, logout, restart })[action]?.(server);
      return;
    }
    const row = event.target.closest('tr[data-server]');
    if (row && row.dataset.server !== state.selected) select(row.dataset.server);
  });
  for (const button of document.querySelectorAll('#demo button[data-fail]')) {
    button.addEventListener('click', async () => {
      if (await demoFail(button.dataset.fail))
        document.getElementById('demo-mode').textContent = `mode: ${button.dataset.fail}`;
    });
  }
  document.getElementById('zoom').addEventListener('click', (event) => {
    const fit = document.getElementById('chart-wrap').classList.toggle('fit');
    event.target.textContent = fit ? 'Actual size' : 'Fit to width';
  });
  const status = (s) => {
    if (s === 'live') badge('live', 'live');
    else if (s === 'offline') badge('offline', 'reconnecting…');
    // The stream got an HTTP error and EventSource gave up: a 401 is about the key.
    else
      loadServers()
        .then(() => badge('closed', 'disconnected', 'Live updates stopped: reload the page'))
        .catch((error) =>
          error instanceof ApiKeyError
            ? keyProblem(error)
            : badge('closed', 'disconnected', `Live updates stopped: ${error.message}`),
        );
  };
  const proxyEvent = (e) => {
    noteProxyEvent(e);
    if (e.server === state.selected) renderLog(e.server);
    reloadSoon();
  };
  stream(
    '/api/v1/events',
    {
      'upstream.state': onUpstreamState,
      'servers.changed': reloadSoon,
      'oauth.token_refreshed': proxyEvent,
      'oauth.refresh_failed': proxyEvent,
      'oauth.login_required': proxyEvent,
    },
    status,
  );
  stream('/api/v1/inspect?system=upstream:', {
    '@xstate.actor': onInspected,
    '@xstate.snapshot': onInspected,
  });
  setInterval(() => (tickTimes(state.views), renderDetail(false)), 1000);
}

async function boot() {
  const [config, chart] = await Promise.all([
    api('/dashboard/config.json').catch(() => ({ demo: null })),
    api('/api/v1/statecharts/upstream').catch(() => null),
  ]);
  document.getElementById('demo').hidden = !config.demo;
  if (chart) {
    state.chart = drawChart(document.getElementById('chart'), chart);
    const global = document.getElementById('chart-global');
    global.textContent = 'In every state: ';
    for (const t of state.chart.global) {
      global.append(
        Object.assign(document.createElement('code'), { textContent: `${t.text} → ${t.target}` }),
        ' ',
      );
    }
  }
  wire();
  await loadServers();
}

boot().catch((error) =>
  error instanceof ApiKeyError
    ? keyProblem(error)
    : notice(`Cannot load the servers: ${error.message}`),
);
