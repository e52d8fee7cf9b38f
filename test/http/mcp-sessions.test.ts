/**
 * @module Idle `/mcp` sessions are closed: most clients go away without a DELETE, and each
 * session they leave costs memory and a share of every tools/list_changed broadcast. A session
 * with no request for 30 minutes, none running and no open event stream is closed, and its id
 * then answers 404 (the MCP spec's cue to start a new session). A client holding its event
 * stream, or waiting for a call, keeps its session. Real @hono/node-server on a loopback port,
 * the SDK client, the world's simulated clock for the 30 minutes.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_IDLE_MS } from '../../http/mcp/sessions.js';
import { closeApp, makeApp, serveApp, type Served, type TestApp } from './support/app.js';

let t: TestApp | undefined;
let served: Served | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await served?.close();
  await closeApp(t);
  t = served = undefined;
});

const SWEEP_MS = 20;

async function setup() {
  t = await makeApp({}, {}, { mcpSessionSweepMs: SWEEP_MS });
  served = await serveApp(t.app);
}

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** Opens a session the way a client that never comes back does: initialize, nothing else. */
async function rawSession(): Promise<string> {
  const response = await fetch(`${served!.url}/mcp`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'gone', version: '1' },
      },
    }),
  });
  expect(response.status).toBe(200);
  await response.text();
  return response.headers.get('mcp-session-id')!;
}

/** The status a `tools/list` of session `id` gets. */
async function listStatus(id: string): Promise<number> {
  const response = await fetch(`${served!.url}/mcp`, {
    method: 'POST',
    headers: { ...HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
  await response.text();
  return response.status;
}

/** Moves the simulated clock and lets a few sweeps run (bounded real time). */
async function idleFor(ms: number): Promise<void> {
  t!.world.clock.increment(ms);
  await new Promise((resolve) => setTimeout(resolve, SWEEP_MS * 5));
}

describe('/mcp sessions left idle', () => {
  it('are closed after 30 minutes without a request; their id then answers 404', async () => {
    await setup();
    const stale = await rawSession();
    const fresh = await rawSession();
    expect(await listStatus(stale)).toBe(200);

    await idleFor(SESSION_IDLE_MS - 60_000);
    expect(await listStatus(fresh)).toBe(200); // a request keeps `fresh`
    await idleFor(60_000 + 1);
    expect(await listStatus(stale)).toBe(404);
    expect(await listStatus(fresh)).toBe(200);
  });

  it('are kept while the client holds its event stream open, and work on', async () => {
    await setup();
    const client = new Client({ name: 'listener', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(`${served!.url}/mcp`));
    await client.connect(transport);
    clients.push(client);
    await served!.answered((req) => req.method === 'GET', 1);

    await idleFor(2 * SESSION_IDLE_MS);
    expect(await listStatus(transport.sessionId!)).toBe(200);
    const result = await client.callTool({ name: 'plain__echo', arguments: { text: 'still' } });
    expect(result.content).toEqual([{ type: 'text', text: 'still' }]);
  });
});
