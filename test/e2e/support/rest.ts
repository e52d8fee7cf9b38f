/**
 * @module REST calls against a running `mcpproxy serve` for e2e tests: server views, commands,
 * and bounded polling until a server reaches a state.
 */
import { request } from 'node:http';
import type { ServerView } from '../../../machines/upstream/server-view.js';
import { waitFor } from '../../helpers/proxy-process.js';

export type { ServerView };

/** GET `path` and parse JSON; throws on a non-2xx answer. */
export async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** POST to `path` with an optional raw body; answers status and parsed JSON (or null). */
export async function post(
  base: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body,
    signal: AbortSignal.timeout(40_000),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** The view of one server. */
export function serverView(base: string, name: string): Promise<ServerView> {
  return getJson<ServerView>(base, `/api/v1/servers/${encodeURIComponent(name)}`);
}

/** Polls the server's view until `accept` holds; answers that view. */
export async function waitForView(
  base: string,
  name: string,
  accept: (view: ServerView) => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<ServerView> {
  let last: ServerView | undefined;
  try {
    return await waitFor(
      async () => {
        last = await serverView(base, name);
        return accept(last) ? last : null;
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, what: options.what },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last view of ${name}: ${JSON.stringify(last)}`);
  }
}

/** Waits until the server's state starts with `prefix` (e.g. `authenticated`). */
export function waitForState(
  base: string,
  name: string,
  prefix: string,
  timeoutMs = 30_000,
): Promise<ServerView> {
  return waitForView(base, name, (v) => v.state.startsWith(prefix), {
    timeoutMs,
    what: `${name} to reach ${prefix}`,
  });
}

/**
 * POSTs headers that declare a body of `declaredBytes` and sends none of it, answering what the
 * server replied: a server that checks the declared size answers at once, without reading (a
 * server that waits for the body times out here after 10 s). The request is then abandoned.
 */
export function postDeclaringSize(
  url: string,
  declaredBytes: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': declaredBytes, ...headers },
      timeout: 10_000,
      agent: false,
    });
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.once('end', () => {
        req.destroy();
        let json: unknown = text;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.once('timeout', () => req.destroy(new Error(`POST ${url}: no answer without the body`)));
    req.once('error', reject);
    req.flushHeaders();
  });
}
