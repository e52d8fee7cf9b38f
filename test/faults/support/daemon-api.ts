/**
 * @module Talking to a running `mcpproxy serve` the way a user's scripts do: server views over
 * REST, logins through the daemon with the test browser, waits on state, and the SSE event log.
 */
import type { ServerView } from '../../../machines/upstream/server-view.js';
import { followAuthUrl } from '../../helpers/browser.js';
import { serverView, waitForView as restWaitForView } from '../../e2e/support/rest.js';
import { SseReader, type SseMessage } from '../../http/support/sse.js';

export { serverView };

/** {@link restWaitForView} with the fault suite's longer default wait (45 s: busy machine). */
export function waitForView(
  baseUrl: string,
  name: string,
  accept: (view: ServerView) => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<ServerView> {
  return restWaitForView(baseUrl, name, accept, { timeoutMs: 45_000, what: name, ...options });
}

export const isAuthenticated = (v: ServerView) => v.state.startsWith('authenticated');

/** Logs `name` in through the daemon (REST + test browser) and waits until it is authenticated. */
export async function loginViaDaemon(baseUrl: string, name: string): Promise<ServerView> {
  const res = await fetch(`${baseUrl}/api/v1/servers/${encodeURIComponent(name)}/login`, {
    method: 'POST',
    signal: AbortSignal.timeout(40_000),
  });
  const answer = (await res.json()) as { auth_url?: string };
  if (!answer.auth_url)
    throw new Error(`login of ${name} gave no auth_url: ${JSON.stringify(answer)}`);
  const visit = await followAuthUrl(answer.auth_url);
  if (visit.callbackStatus !== 200) {
    throw new Error(`callback of ${name} answered ${visit.callbackStatus}: ${visit.callbackBody}`);
  }
  return waitForView(baseUrl, name, isAuthenticated, { what: `${name} authenticated` });
}

/** The daemon's `/api/v1/events` stream, recorded from now on. */
export interface EventLog {
  messages(): SseMessage[];
  /** The first event (from the start of the recording) that `match` accepts; bounded wait. */
  next(match: (data: any, event: string) => boolean, timeoutMs?: number): Promise<any>;
  /** `upstream.state` events of one server, in order. */
  states(server: string): Array<{
    state: string;
    health: ServerView['health'];
    oauth_status: string;
    timestamp: string;
  }>;
  close(): void;
}

/** Opens the SSE stream and records every event until `close()`. */
export async function recordEvents(baseUrl: string): Promise<EventLog> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/v1/events`, { signal: controller.signal });
  const reader = new SseReader(res);
  const all = () => reader.messages.map((m) => m);
  return {
    messages: all,
    next: async (match, timeoutMs = 20_000) =>
      (await reader.next((m) => match(m.data, m.event), timeoutMs)).data,
    states: (server) =>
      all()
        .map((m) => m.data)
        .filter((d) => d?.type === 'upstream.state' && d.server === server),
    close: () => controller.abort(),
  };
}

/**
 * How long a `serve` child may take to listen: generous, because the machine is shared and
 * under a full test run its load average can exceed 20 on 2 cores.
 */
export const STARTUP_MS = 90_000;
