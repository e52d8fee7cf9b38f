/**
 * @module The OpenAPI 3.1 document of every route the app serves (`GET /api/v1/openapi.json`).
 * A test compares its paths with the app's routes and validates real answers against it.
 */
import { schemas } from './schemas.js';

const ref = (name: keyof typeof schemas) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(ref('Error'), description);
const nameParam = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'Server name as configured',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
};
const serverErrors = {
  '400': error('Invalid server name or request body'),
  '401': error('Missing or wrong API key'),
  '404': error('No such server'),
};
const command = (summary: string, extra: Record<string, object> = {}) => ({
  summary,
  parameters: [nameParam],
  responses: {
    '200': json(ref('ServerView'), 'The server view after the command'),
    ...serverErrors,
    '409': error('The server is stopped or disabled'),
    '413': error('Body larger than 64 KiB'),
    ...extra,
  },
});

/** Builds the document (`version` is the proxy's version). */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'mcpproxy',
      version,
      description: 'Local MCP proxy that keeps OAuth-protected upstream MCP servers alive.',
    },
    servers: [{ url: 'http://127.0.0.1:8080' }],
    security: [{}, { ApiKeyHeader: [] }, { ApiKeyQuery: [] }],
    paths: {
      '/healthz': {
        get: {
          summary: 'The process is up',
          security: [],
          responses: { '200': json(ref('Healthz'), 'Up') },
        },
      },
      '/readyz': {
        get: {
          summary: 'The supervisor runs (SPEC §3b)',
          security: [],
          responses: { '200': json(ref('Ready'), 'Ready'), '503': json(ref('Ready'), 'Not ready') },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: {
            '200': {
              description: 'Text exposition format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            '401': error('Missing or wrong API key'),
          },
        },
      },
      '/api/v1/servers': {
        get: {
          summary: 'Every server view, sorted by name',
          responses: {
            '200': json({ type: 'array', items: ref('ServerView') }, 'Server views'),
            '401': serverErrors['401'],
          },
        },
      },
      '/api/v1/servers/{name}': {
        get: {
          summary: 'One server view',
          parameters: [nameParam],
          responses: { '200': json(ref('ServerView'), 'Server view'), ...serverErrors },
        },
      },
      '/api/v1/servers/{name}/tools': {
        get: {
          summary: 'The tools the server offers now (empty while it is not connected)',
          parameters: [nameParam],
          responses: {
            '200': json({ type: 'array', items: ref('Tool') }, 'Tools'),
            ...serverErrors,
          },
        },
      },
      '/api/v1/servers/{name}/login': {
        post: {
          summary: 'Start or join the OAuth login flow',
          parameters: [
            nameParam,
            { name: 'force', in: 'query', required: false, schema: { type: 'boolean' } },
          ],
          requestBody: {
            required: false,
            content: { 'application/json': { schema: ref('LoginRequest') } },
          },
          responses: {
            '200': json(
              ref('LoginAnswer'),
              "The flow's authorization URL, or already authenticated",
            ),
            ...serverErrors,
            '409': error('The server is stopped or disabled'),
            '413': error('Body larger than 64 KiB'),
            '502': error('The flow failed before it produced an authorization URL'),
            '504': error('No authorization URL in time (the flow keeps running)'),
          },
        },
      },
      '/api/v1/servers/{name}/logout': {
        post: command('Delete the tokens and disconnect (400 for a server without OAuth)'),
      },
      '/api/v1/servers/{name}/restart': { post: command('Reconnect the server') },
      '/api/v1/events': {
        get: {
          summary: 'Server-sent events: upstream.state, servers.changed, oauth.*, ping',
          responses: {
            '200': {
              description: 'SSE stream',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            '401': serverErrors['401'],
          },
        },
      },
      '/api/v1/statecharts': {
        get: {
          summary: 'Every machine definition',
          responses: { '200': json(ref('Statecharts'), 'Definitions'), '401': serverErrors['401'] },
        },
      },
      '/api/v1/statecharts/{machine}': {
        get: {
          summary: 'One machine definition',
          parameters: [{ name: 'machine', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': json({ type: 'object' }, 'Definition'),
            '401': serverErrors['401'],
            '404': error('No such machine'),
          },
        },
      },
      '/api/v1/openapi.json': {
        get: {
          summary: 'This document',
          responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1') },
        },
      },
      '/mcp': mcpPath(),
      '/api/v1/inspect': {
        get: {
          summary:
            'SSE of sanitised XState inspection events of every actor (current snapshots first)',
          responses: {
            '200': { description: 'text/event-stream of inspection messages' },
            '401': serverErrors['401'],
          },
        },
      },
      '/': {
        get: {
          summary: 'The dashboard page (self-contained, works offline)',
          responses: { '200': { description: 'text/html' } },
        },
      },
      '/dashboard/config.json': {
        get: {
          summary: "The page's settings (demo controls or null)",
          responses: { '200': json({ type: 'object' }, 'Page settings') },
        },
      },
      '/dashboard/{file}': {
        get: {
          summary: 'A static asset of the page',
          parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The asset' },
            '404': { description: 'No such asset' },
          },
        },
      },
      '/dashboard/demo/fail': {
        post: {
          summary: "Demo only: switch the OAuth test server's fail mode (Break/Heal buttons)",
          responses: {
            '200': json({ type: 'object' }, 'The test server answer'),
            '400': error('Unknown mode'),
            '404': error('Not running as the demo'),
          },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: {
        ApiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        ApiKeyQuery: { type: 'apiKey', in: 'query', name: 'apikey' },
      },
    },
  };
}

function mcpPath() {
  const answers = {
    '200': { description: 'JSON-RPC answer (JSON or SSE)' },
    '400': { description: 'No session id, or not JSON' },
    '401': error('Missing or wrong API key'),
    '404': { description: 'Unknown session' },
  };
  return {
    post: {
      summary: 'MCP Streamable HTTP: JSON-RPC messages (initialize creates a session)',
      responses: answers,
    },
    get: {
      summary: "MCP Streamable HTTP: the session's server-to-client SSE stream",
      responses: answers,
    },
    delete: { summary: 'MCP Streamable HTTP: end the session', responses: answers },
  };
}
