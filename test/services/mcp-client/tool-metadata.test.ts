/**
 * Tool metadata an upstream lists reaches the proxy's catalog: `icons` and `_meta` pass through
 * with title, schemas and annotations; a tool whose calls require MCP tasks (which mcpproxy does
 * not run) is left out with a warning instead of listed and failing every call; `execution` is
 * not passed on. A real SDK server over Streamable HTTP on a loopback port, the connect actor.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { UpstreamSession } from '../../../machines/upstream/upstream.types.js';
import { createConnectActor } from '../../../services/mcp-client/connect-actor.js';
import type { ServiceLogger } from '../../../services/oauth/index.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { httpEntry } from '../oauth/fixtures.js';

let http: ServerType | undefined;
let session: UpstreamSession | undefined;
afterEach(async () => {
  await session?.close();
  await new Promise<void>((resolve) => {
    (http as unknown as { closeAllConnections(): void } | undefined)?.closeAllConnections();
    if (http) http.close(() => resolve());
    else resolve();
  });
  http = session = undefined;
});

const ICON = { src: 'https://up.example/icon.png', mimeType: 'image/png', sizes: ['48x48'] };
const TOOLS = [
  {
    name: 'draw',
    title: 'Draw',
    description: 'Draws.',
    inputSchema: { type: 'object', properties: { what: { type: 'string' } } },
    annotations: { readOnlyHint: true },
    icons: [ICON],
    _meta: { 'example.com/category': 'art' },
    execution: { taskSupport: 'optional' },
  },
  {
    name: 'research',
    inputSchema: { type: 'object' },
    execution: { taskSupport: 'required' },
  },
];

async function startServer(): Promise<string> {
  const server = new Server({ name: 'meta', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
  });
  await server.connect(transport);
  const app = new Hono();
  app.all('/mcp', (c) => transport.handleRequest(c.req.raw));
  const port = await new Promise<number>((resolve) => {
    http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(info.port),
    );
  });
  return `http://127.0.0.1:${port}/mcp`;
}

it('passes icons and _meta through and leaves out a tool that requires tasks, saying why', async () => {
  const warnings: string[] = [];
  const logger: ServiceLogger = {
    ...silentLogger,
    child: () => logger,
    warn: (fields: unknown) => void warnings.push(JSON.stringify(fields)),
  };
  const output = await toPromise(
    createActor(createConnectActor({ logger }), {
      input: {
        entry: httpEntry(await startServer(), null, 'meta'),
        serverKey: 'k',
        record: null,
        accessToken: () => null,
        notify: () => undefined,
      },
    }).start(),
  );
  session = output.session;
  expect(output.tools).toEqual([
    {
      name: 'draw',
      title: 'Draw',
      description: 'Draws.',
      inputSchema: { type: 'object', properties: { what: { type: 'string' } } },
      annotations: { readOnlyHint: true },
      icons: [ICON],
      _meta: { 'example.com/category': 'art' },
    },
  ]);
  expect(warnings.join('\n')).toContain(
    'tool \\"research\\" requires task-augmented calls, which mcpproxy does not support',
  );
});
