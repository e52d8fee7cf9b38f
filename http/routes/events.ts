/**
 * @module `GET /api/v1/events` (SPEC §5): the proxy's events as SSE. A new subscriber first gets
 * an `upstream.state` for every server (the present), then live events and a `ping` every 30 s.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { healthOf, oauthStatusOf, statePath } from '../../machines/upstream/health.js';
import type { ProxyEvent } from '../../services/events/proxy-events.js';
import { redact } from '../../services/logger/index.js';
import type { Closers } from '../closers.js';
import { DEFAULT_PING_INTERVAL_MS, type AppDeps } from '../deps.js';
import { EventQueue } from '../event-queue.js';
import { listUpstreams } from '../upstreams.js';

type Outgoing = ProxyEvent | { type: 'ping'; timestamp: string };

/** The `upstream.state` event of every current server, sorted by name. */
export function presentStates(deps: AppDeps): ProxyEvent[] {
  const now = deps.now();
  const timestamp = new Date(now).toISOString();
  return listUpstreams(deps.supervisor).map(({ name, snapshot }) => ({
    type: 'upstream.state',
    server: name,
    timestamp,
    state: statePath(snapshot.value),
    health: healthOf(snapshot, now),
    oauth_status: oauthStatusOf(snapshot, now),
  }));
}

/** The events route, relative to `/api/v1`; open streams end when `closers` run. */
export function eventRoutes(deps: AppDeps, closers: Closers): Hono {
  const app = new Hono();
  const pingMs = deps.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue = new EventQueue<Outgoing>();
      // Subscribe before reading the present, so no transition falls between the two.
      const unsubscribe = deps.events.subscribe((event) => queue.push(event));
      const ping = setInterval(
        () => queue.push({ type: 'ping', timestamp: new Date(deps.now()).toISOString() }),
        pingMs,
      );
      const end = () => {
        unsubscribe();
        clearInterval(ping);
        queue.close();
      };
      const forget = closers.add(end);
      stream.onAbort(end);
      c.req.raw.signal.addEventListener('abort', end, { once: true });
      try {
        for (const event of presentStates(deps)) await send(event);
        for await (const event of queue.drain()) await send(event);
      } finally {
        end();
        forget();
      }

      async function send(event: Outgoing): Promise<void> {
        if (stream.aborted || stream.closed) return end();
        await stream.writeSSE({ event: event.type, data: JSON.stringify(redact(event)) });
      }
    }),
  );
  return app;
}
