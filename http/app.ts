/**
 * @module `createApp(deps)`: the Hono app of the proxy (REST, SSE, metrics, probes, OpenAPI and
 * the MCP endpoint) with its security middleware. It never listens; cli/ serves it.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { Closers } from './closers.js';
import { dashboardRoutes, inspectRoutes } from './dashboard/index.js';
import { MAX_API_BODY_BYTES, MAX_MCP_BODY_BYTES, type AppDeps } from './deps.js';
import { notFound, onError } from './errors.js';
import { createMcpEndpoint } from './mcp/endpoint.js';
import { apiKey } from './middleware/api-key.js';
import { bodyLimit } from './middleware/body-limit.js';
import { hostCheck, isStateChanging } from './middleware/host-check.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { openApiRoutes } from './routes/openapi.js';
import { serverRoutes } from './routes/servers.js';
import { statechartRoutes } from './routes/statecharts.js';

/** The app, plus `close()`: ends SSE streams and MCP sessions and stops watching the actors. */
export type ProxyApp = Hono & { close(): Promise<void> };

/** Paths probes reach by IP (no Host check, no API key). */
const PROBES = ['/healthz', '/readyz'];

/** Options of createApp that only tests change. */
export interface AppOptions {
  /** Quiet time before `tools/list_changed` goes out (default 50 ms). */
  toolsChangedDebounceMs?: number;
  /** How often idle MCP sessions are looked for (default 60 s). */
  mcpSessionSweepMs?: number;
}

/** Builds the app over `deps`. */
export function createApp(deps: AppDeps, options: AppOptions = {}): ProxyApp {
  const app = new Hono();
  const closers = new Closers();
  const mcp = createMcpEndpoint(deps, {
    debounceMs: options.toolsChangedDebounceMs,
    sessionSweepMs: options.mcpSessionSweepMs,
  });

  app.onError(onError(deps.logger));
  app.notFound(notFound);

  const checkOrigin = (c: Context) => c.req.path === '/mcp' || isStateChanging(c);
  app.use('*', hostCheck({ allowedHosts: deps.allowedHosts, checkOrigin, exempt: PROBES }));
  const key = apiKey({ key: deps.apiKey });
  app.use('/api/*', key);
  app.use('/mcp', key);
  app.use('/metrics', key);
  app.use('/api/*', bodyLimit({ maxBytes: MAX_API_BODY_BYTES }));
  app.use('/mcp', bodyLimit({ maxBytes: MAX_MCP_BODY_BYTES }));

  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/api/v1', serverRoutes(deps));
  app.route('/api/v1', eventRoutes(deps, closers));
  app.route('/api/v1', statechartRoutes(deps));
  app.route('/api/v1', openApiRoutes(deps));
  app.route('/', mcp.routes);
  if (deps.inspection) {
    app.route(
      '/',
      inspectRoutes(deps.inspection, {
        pingIntervalMs: deps.pingIntervalMs,
        register: (close) => closers.add(close),
      }),
    );
  }
  app.route('/', dashboardRoutes(deps.dashboard));

  return Object.assign(app, {
    async close() {
      await closers.closeAll();
      await mcp.close();
    },
  });
}
