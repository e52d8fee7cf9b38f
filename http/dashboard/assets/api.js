// mcpproxy dashboard: talking to the daemon (REST with the optional API key, SSE streams).

const KEY_ITEM = 'mcpproxy.apikey';

/** The key from `?apikey=` (then dropped from the address bar and history) or from the tab. */
function readKey() {
  const url = new URL(location.href);
  const given = url.searchParams.get('apikey');
  if (given === null) return sessionStorage.getItem(KEY_ITEM);
  url.searchParams.delete('apikey');
  history.replaceState(history.state, '', url);
  if (given) sessionStorage.setItem(KEY_ITEM, given);
  return given || null;
}

const key = readKey();

/** A REST or stream failure; `status` is the HTTP status, or 0 when the daemon was not reached. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** The daemon refused the API key (or none was given): the key is the problem, not the daemon. */
export class ApiKeyError extends ApiError {
  constructor(message) {
    super(message, 401);
    this.name = 'ApiKeyError';
    /** Whether the page sent a key at all. */
    this.sent = key !== null;
  }
}

/** What the user should do about an `ApiKeyError`. */
export function keyAdvice(error) {
  return error.sent
    ? 'The proxy rejected the API key. Open this page as /?apikey=KEY with the api_key of its config (or $MCPPROXY_API_KEY).'
    : 'The proxy needs an API key. Open this page as /?apikey=KEY with the api_key of its config (or $MCPPROXY_API_KEY).';
}

/** A path with the API key as `?apikey=` (EventSource cannot send headers). */
export function withKey(path) {
  if (!key) return path;
  return `${path}${path.includes('?') ? '&' : '?'}apikey=${encodeURIComponent(key)}`;
}

/**
 * Calls the REST API; resolves with the JSON answer. Rejects with an `ApiKeyError` on 401 (and
 * forgets the key this tab kept, since the daemon rejected it), else an `ApiError` carrying the
 * API's error message, or saying that the daemon cannot be reached.
 */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    // fetch rejects only when no answer came (connection refused, reset, offline).
    throw new ApiError('the daemon cannot be reached (is mcpproxy serve running?)', 0);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // A proxy in between may answer HTML: the status says enough.
  }
  const message = data?.error?.message ?? `HTTP ${response.status}`;
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_ITEM);
    throw new ApiKeyError(message);
  }
  if (!response.ok) throw new ApiError(message, response.status);
  return data;
}

/**
 * Opens an SSE stream; `handlers` maps event names to functions of the parsed data.
 * `onStatus('live' | 'offline' | 'closed')` reports the connection: EventSource reconnects by
 * itself after a lost connection (`offline`), but gives up on an HTTP error such as a 401
 * (`closed`).
 */
export function stream(path, handlers, onStatus = () => {}) {
  const source = new EventSource(withKey(path));
  source.onopen = () => onStatus('live');
  source.onerror = () => onStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'offline');
  for (const [name, handle] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch (error) {
        console.error('bad event', name, error);
      }
    });
  }
  return source;
}

/** Shows a short message at the bottom right. */
export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('show'), 4000);
}
