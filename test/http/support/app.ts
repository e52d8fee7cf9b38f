/**
 * @module Builds the real app over a World, and serves it on an ephemeral 127.0.0.1 port with
 * @hono/node-server for the SSE and /mcp tests.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp, type AppDeps, type AppOptions, type ProxyApp } from '../../../http/index.js';
import { createInspectionHub } from '../../../services/inspection/index.js';
import { statecharts } from '../../../services/statecharts/index.js';
import { World, type WorldOptions } from './world.js';

export interface TestApp {
  world: World;
  app: ProxyApp;
  deps: AppDeps;
}

/** A started World and the app over it. */
export async function makeApp(
  overrides: Partial<AppDeps> = {},
  worldOptions: WorldOptions = {},
  appOptions: AppOptions = {},
): Promise<TestApp> {
  const world = await new World(worldOptions).start();
  const deps: AppDeps = {
    supervisor: world.supervisor,
    now: world.now,
    apiKey: null,
    replicaId: 'test-replica-1',
    storeKind: 'lmdb',
    events: world.events,
    metrics: world.metrics,
    beforeMetricsScrape: () => world.observer.updateTimedGauges(),
    statecharts: statecharts() as unknown as Record<string, unknown>,
    logger: world.log.logger,
    version: '0.0.0-test',
    loginUrlTimeoutMs: 2_000,
    inspection: createInspectionHub(),
    ...overrides,
  };
  const app = createApp(deps, { toolsChangedDebounceMs: 10, ...appOptions });
  return { world, app, deps };
}

/** Tears down what makeApp built. */
export async function closeApp(t: TestApp | undefined): Promise<void> {
  if (!t) return;
  await t.app.close();
  t.world.stop();
}

export interface Served {
  url: string;
  /** Resolves once `count` requests matching `match` have been answered (bounded by `ms`). */
  answered(match: (req: Request) => boolean, count: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 at an ephemeral port. */
export async function serveApp(app: ProxyApp): Promise<Served> {
  const seen: Request[] = [];
  let wake: () => void = () => undefined;
  const fetch = async (req: Request, env: unknown) => {
    const res = await app.fetch(req, env);
    seen.push(req);
    wake();
    return res;
  };
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async answered(match, count, ms = 3000) {
      const deadline = Date.now() + ms;
      while (seen.filter(match).length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`only ${seen.filter(match).length} of ${count} requests seen`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async close() {
      await app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** JSON request helpers for `app.request`. */
export function post(path: string, body?: unknown, headers: Record<string, string> = {}) {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
