/**
 * @module The OpenAPI document stays true: its paths and methods equal the app's routes, and
 * real answers of the main routes validate against its schemas.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeApp, makeApp, post, type TestApp } from './support/app.js';
import { check } from './support/schema-check.js';

let t: TestApp;
let doc: any;
beforeEach(async () => {
  t = await makeApp();
  doc = await (await t.app.request('/api/v1/openapi.json')).json();
});
afterEach(() => closeApp(t));

/** `METHOD /path/{param}` of every handler the app registered (middleware is `ALL`). */
/**
 * Paths the document lists on their own that the app serves through a parameter route (a
 * static path beside `:file` would cost the app its RegExpRouter: test/http/routing.test.ts).
 */
const SERVED_BY_PARAMETER = ['GET /dashboard/config.json'];

function appRoutes(): string[] {
  const routes = t.app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
  return [...new Set([...routes, ...SERVED_BY_PARAMETER])].sort();
}

function documentRoutes(): string[] {
  return Object.entries(doc.paths as Record<string, object>)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

/** Validates a real answer against the document's schema for that route and status. */
async function expectDocumented(method: string, path: string, docPath: string, res: Response) {
  const op = doc.paths[docPath]?.[method.toLowerCase()];
  expect(op, `${method} ${docPath} in the document`).toBeDefined();
  const answer = op.responses[String(res.status)];
  expect(answer, `${method} ${path} status ${res.status} documented`).toBeDefined();
  const schema = answer.content?.['application/json']?.schema;
  if (!schema) return;
  expect(check(await res.json(), schema, doc)).toEqual([]);
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with the proxy version', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.0.0-test');
  });

  it('lists exactly the routes the app serves', () => {
    expect(documentRoutes()).toEqual(appRoutes());
  });

  it('describes real answers of the main routes', async () => {
    const cases: Array<[string, string, string, () => Request | string]> = [
      ['GET', '/healthz', '/healthz', () => '/healthz'],
      ['GET', '/readyz', '/readyz', () => '/readyz'],
      ['GET', '/api/v1/servers', '/api/v1/servers', () => '/api/v1/servers'],
      ['GET', '/api/v1/servers/github', '/api/v1/servers/{name}', () => '/api/v1/servers/github'],
      ['GET', '/api/v1/servers/nope', '/api/v1/servers/{name}', () => '/api/v1/servers/nope'],
      [
        'GET',
        '/api/v1/servers/bad%20name',
        '/api/v1/servers/{name}',
        () => '/api/v1/servers/bad%20name',
      ],
      [
        'GET',
        '/api/v1/servers/plain/tools',
        '/api/v1/servers/{name}/tools',
        () => '/api/v1/servers/plain/tools',
      ],
      [
        'POST',
        'login (authenticated)',
        '/api/v1/servers/{name}/login',
        () => post('/api/v1/servers/github/login'),
      ],
      [
        'POST',
        'login (pending)',
        '/api/v1/servers/{name}/login',
        () => post('/api/v1/servers/locked/login'),
      ],
      [
        'POST',
        'login (bad body)',
        '/api/v1/servers/{name}/login',
        () => post('/api/v1/servers/locked/login', '{'),
      ],
      [
        'POST',
        'logout',
        '/api/v1/servers/{name}/logout',
        () => post('/api/v1/servers/github/logout'),
      ],
      [
        'POST',
        'logout (no OAuth)',
        '/api/v1/servers/{name}/logout',
        () => post('/api/v1/servers/plain/logout'),
      ],
      [
        'POST',
        'restart',
        '/api/v1/servers/{name}/restart',
        () => post('/api/v1/servers/plain/restart'),
      ],
      [
        'POST',
        'restart (disabled)',
        '/api/v1/servers/{name}/restart',
        () => post('/api/v1/servers/off/restart'),
      ],
      ['GET', '/api/v1/statecharts', '/api/v1/statecharts', () => '/api/v1/statecharts'],
      [
        'GET',
        '/api/v1/statecharts/nope',
        '/api/v1/statecharts/{machine}',
        () => '/api/v1/statecharts/nope',
      ],
    ];
    for (const [method, label, docPath, request] of cases) {
      const res = await t.app.request(request());
      await expectDocumented(method, label, docPath, res);
    }
  });

  it('describes readyz while starting', async () => {
    await closeApp(t);
    t = await makeApp({}, { holdLoads: true });
    await expectDocumented('GET', '/readyz', '/readyz', await t.app.request('/readyz'));
  });

  it('catches a view that drifts from its schema', () => {
    const problems = check({ name: 'x' }, { $ref: '#/components/schemas/ServerView' }, doc);
    expect(problems).toContain('$.state: required');
  });
});
