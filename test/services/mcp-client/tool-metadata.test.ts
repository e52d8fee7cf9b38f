/**
 * Tool metadata an upstream lists reaches the proxy's catalog: `icons` and `_meta` pass through
 * with title, schemas and annotations; a tool whose calls require MCP tasks (which mcpproxy does
 * not run) is left out with a warning instead of listed and failing every call; `execution` is
 * not passed on. A real SDK server over Streamable HTTP on a loopback port, the connect actor.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { UpstreamSession } from '../../../machines/upstream/upstream.types.js';
import { createConnectActor } from '../../../services/mcp-client/connect-actor.js';
import type { ServiceLogger } from '../../../services/oauth/index.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { httpEntry } from '../oauth/fixtures.js';
import { serveMcp } from './local-servers.js';

let stopServer: (() => Promise<void>) | undefined;
let session: UpstreamSession | undefined;
afterEach(async () => {
  await session?.close();
  await stopServer?.();
  stopServer = session = undefined;
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
  const { url, stop } = await serveMcp(server);
  stopServer = stop;
  return url;
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
