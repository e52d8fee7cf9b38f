/**
 * @module TEMPORARY, until `http/app.ts` mounts the page and the daemon feeds an inspection hub:
 * when the daemon does not serve `/` yet, a small front server serves the page and the inspect
 * stream (fed through `startDaemon`'s `inspectors`) and passes every other request to the
 * daemon. Once the daemon serves them, `urlFor` answers the daemon's own URL and nothing else
 * runs.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { InspectionEvent } from 'xstate';
import { dashboardRoutes, inspectRoutes } from '../../../http/dashboard/index.js';
import { createInspectionHub } from '../../../services/inspection/index.js';

export interface TestMount {
  inspectors: Array<(event: InspectionEvent) => void>;
  urlFor(daemonUrl: string): Promise<string>;
  stop(): Promise<void>;
}

/** See the module comment. */
export function mountForTests(): TestMount {
  const hub = createInspectionHub();
  let front: ServerType | undefined;
  return {
    inspectors: [hub.inspect],
    async urlFor(daemonUrl) {
      const page = await fetch(`${daemonUrl}/`);
      const inspect = await fetch(`${daemonUrl}/api/v1/inspect`, {
        signal: AbortSignal.timeout(2_000),
      });
      await inspect.body?.cancel();
      if (page.ok && inspect.ok) return daemonUrl;
      const app = new Hono();
      app.route('/', dashboardRoutes());
      app.route('/', inspectRoutes(hub));
      app.all('*', async (c) => {
        const url = new URL(c.req.url);
        const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.text();
        const answer = await fetch(`${daemonUrl}${url.pathname}${url.search}`, {
          method: c.req.method,
          headers: { 'content-type': c.req.header('content-type') ?? 'application/json' },
          body,
        });
        return new Response(answer.body, { status: answer.status, headers: answer.headers });
      });
      front = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise((resolve) => front!.once('listening', resolve));
      return `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    },
    async stop() {
      if (!front) return;
      (front as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise((resolve) => front!.close(resolve));
    },
  };
}
