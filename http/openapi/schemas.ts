/**
 * @module JSON Schemas (OpenAPI 3.1 components) of the REST answers: server view, health, tool,
 * login answer, readiness, error. Kept true by test/http/openapi.test.ts.
 */

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const dateTime = { type: ['string', 'null'], format: 'date-time' } as const;

/** The `components.schemas` of the document. */
export const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: str, message: str },
      },
    },
  },
  Health: {
    type: 'object',
    required: ['level', 'summary', 'detail', 'action'],
    properties: {
      level: { enum: ['healthy', 'degraded', 'unhealthy'] },
      summary: str,
      detail: str,
      action: { enum: ['none', 'login', 'restart', 'view_logs', 'enable'] },
    },
  },
  OAuthInfo: {
    type: 'object',
    required: [
      'expires_at',
      'refresh_at',
      'retry_count',
      'next_retry_at',
      'last_error',
      'correlation_id',
    ],
    properties: {
      expires_at: dateTime,
      refresh_at: dateTime,
      retry_count: { type: 'integer', minimum: 0 },
      next_retry_at: dateTime,
      last_error: nullableStr,
      correlation_id: nullableStr,
    },
  },
  ServerView: {
    type: 'object',
    required: [
      'name',
      'protocol',
      'enabled',
      'state',
      'connected',
      'tool_count',
      'oauth_status',
      'token_expires_at',
      'health',
      'oauth',
      'last_error',
      'last_login_error',
    ],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      protocol: { enum: ['http', 'sse', 'stdio', 'auto'] },
      url: str,
      enabled: { type: 'boolean' },
      state: {
        type: 'string',
        description: 'Dotted path of the active state, e.g. authenticated.refreshScheduled',
      },
      connected: { type: 'boolean' },
      tool_count: { type: 'integer', minimum: 0 },
      oauth_status: {
        enum: ['none', 'authenticated', 'retrying', 'expired', 'login_required', 'error'],
      },
      token_expires_at: dateTime,
      health: { $ref: '#/components/schemas/Health' },
      oauth: { oneOf: [{ type: 'null' }, { $ref: '#/components/schemas/OAuthInfo' }] },
      last_error: nullableStr,
      last_login_error: {
        ...nullableStr,
        description:
          'Why the latest login of a server that kept its stored tokens failed (denied, failed, timed out); null once a login starts',
      },
    },
  },
  Tool: {
    type: 'object',
    required: ['name', 'inputSchema'],
    properties: {
      name: str,
      title: str,
      description: str,
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object' },
      annotations: { type: 'object' },
    },
  },
  LoginAnswer: {
    oneOf: [
      {
        type: 'object',
        required: ['status', 'auth_url', 'correlation_id'],
        properties: {
          status: { const: 'pending' },
          auth_url: { type: 'string', format: 'uri' },
          correlation_id: { type: 'string', format: 'uuid' },
        },
      },
      {
        type: 'object',
        required: ['status'],
        properties: { status: { const: 'authenticated' } },
      },
    ],
  },
  LoginRequest: {
    type: 'object',
    additionalProperties: false,
    properties: {
      force: { type: 'boolean', description: 'Start a new flow even when authenticated' },
    },
  },
  Ready: {
    type: 'object',
    required: ['status', 'store', 'replica_id', 'store_available'],
    properties: {
      status: { enum: ['ready', 'starting', 'stopping'] },
      store: { enum: ['lmdb', 'postgres'] },
      replica_id: str,
      store_available: { type: 'boolean' },
    },
  },
  Healthz: {
    type: 'object',
    required: ['status'],
    properties: { status: { const: 'ok' } },
  },
  Statecharts: {
    type: 'object',
    description: 'Machine name → XState machine definition (JSON, importable in Stately)',
    additionalProperties: { type: 'object' },
  },
} as const;
