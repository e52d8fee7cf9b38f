// mcpproxy dashboard: talking to the daemon (REST with the optional API key, SSE streams).

const key =
  new URLSearchParams(location.search).get('apikey') ?? sessionStorage.getItem('mcpproxy.apikey');
if (key) sessionStorage.setItem('mcpproxy.apikey', key);

/** A path with the API key as `?apikey=` (EventSource cannot send headers). */
export function withKey(path) {
  if (!key) return path;
  return `${path}${path.includes('?') ? '&' : '?'}apikey=${encodeURIComponent(key)}`;
}

/** Calls the REST API; resolves with the JSON answer, rejects with the API's error message. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(data?.error?.message ?? `HTTP ${response.status}`);
  return data;
}

/**
 * Opens an SSE stream; `handlers` maps event names to functions of the parsed data.
 * `onStatus('live' | 'offline')` reports the connection (EventSource reconnects by itself).
 */
export function stream(path, handlers, onStatus = () => {}) {
  const source = new EventSource(withKey(path));
  source.onopen = () => onStatus('live');
  source.onerror = () => onStatus('offline');
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
