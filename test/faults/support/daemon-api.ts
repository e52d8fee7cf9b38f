/**
 * @module Talking to a running `mcpproxy serve` the way a user's scripts do: server views over
 * REST, logins through the daemon with the test browser, waits on state, and the SSE event log.
 */
import type { ServerView } from '../../../machines/upstream/server-view.js';
import { followAuthUrl } from '../../helpers/browser.js';
import { waitFor } from '../../helpers/proxy-process.js';
import { SseReader, type SseMessage } from '../../http/support/sse.js';

/** `GET /api/v1/servers/:name`. */
export async function serverView(baseUrl: string, name: string): Promise<ServerView> {
  const res = await fetch(`${baseUrl}/api/v1/servers/${encodeURIComponent(name)}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`GET server ${name}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as ServerView;
}

/** Waits until the server's view satisfies `accept`; answers that view. */
export async function waitForView(
  baseUrl: string,
  name: string,
  accept: (view: ServerView) => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<ServerView> {
  let last: ServerView | undefined;
  try {
    return await waitFor(
      async () => {
        last = await serverView(baseUrl, name);
        return accept(last) ? last : null;
      },
      { timeoutMs: options.timeoutMs ?? 45_000, intervalMs: 100, what: options.what ?? name },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last view: ${JSON.stringify(last)}`);
  }
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
