/**
 * @module `GET /api/v1/inspect` (SPEC §5, §7): the inspection hub as SSE. A subscriber first gets
 * an `@xstate.actor` message with the current snapshot of every live actor, then the recent
 * event and snapshot messages, then live ones; a `ping` comment every 30 s keeps proxies open.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { InspectionHub, InspectionMessage } from '../../services/inspection/index.js';
import { SseQueue } from './sse-queue.js';

export interface InspectRoutesOptions {
  /** Ping interval (default 30 000 ms). */
  pingIntervalMs?: number;
  /**
   * Registers a stream's close function so the app can end open streams at shutdown (e.g.
   * `(close) => closers.add(close)`); returns the function that unregisters it.
   */
  register?: (close: () => void) => () => void;
}

type Outgoing = InspectionMessage | 'ping';

/**
 * The inspect route at its full path, to mount with `app.route('/', inspectRoutes(hub))`.
 * Query: `system=<prefix>` keeps actors whose system id starts with it (e.g. `upstream:`);
 * `history=0` skips the recent messages.
 */
export function inspectRoutes(hub: InspectionHub, options: InspectRoutesOptions = {}): Hono {
  const app = new Hono();
  const pingMs = options.pingIntervalMs ?? 30_000;
  app.get('/api/v1/inspect', (c) => {
    const prefix = c.req.query('system');
    const history = c.req.query('history') !== '0';
    const wanted = (m: InspectionMessage) =>
      prefix === undefined || (m.systemId?.startsWith(prefix) ?? false);
    return streamSSE(c, async (stream) => {
      const queue = new SseQueue<Outgoing>();
      // Subscribe and read the present in one synchronous step: nothing falls between them.
      const unsubscribe = hub.subscribe((m) => wanted(m) && queue.push(m));
      const present = [...hub.current(), ...(history ? hub.recent() : [])].filter(wanted);
      const ping = setInterval(() => queue.push('ping'), pingMs);
      const end = () => {
        unsubscribe();
        clearInterval(ping);
        queue.close();
      };
      const forget = options.register?.(end);
      stream.onAbort(end);
      c.req.raw.signal.addEventListener('abort', end, { once: true });
      try {
        for (const message of present) await send(message);
        for await (const item of queue.drain()) await send(item);
      } finally {
        end();
        forget?.();
      }

      async function send(item: Outgoing): Promise<void> {
        if (stream.aborted || stream.closed) return end();
        if (item === 'ping') await stream.write(': ping\n\n');
        else await stream.writeSSE({ event: item.type, data: JSON.stringify(item) });
      }
    });
  });
  return app;
}
