/** @module `GET /metrics`: the Prometheus text exposition of the app's registry (SPEC §9). */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';

/** The metrics route; `beforeMetricsScrape` runs first so gauges read at scrape time are fresh. */
export function metricsRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    deps.beforeMetricsScrape?.();
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
  return app;
}
