/** @module `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the app. */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { openApiDocument } from '../openapi/document.js';

/** The document route, relative to `/api/v1`. */
export function openApiRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const document = openApiDocument(deps.version);
  app.get('/openapi.json', (c) => c.json(document));
  return app;
}
