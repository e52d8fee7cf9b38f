/**
 * @module `/mcp` with a real SDK Client over Streamable HTTP against a real @hono/node-server:
 * tools/list of usable upstreams, passthrough calls, immediate errors for unusable servers,
 * list_changed on disconnect, sessions, and metrics.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { statePath } from '../../machines/upstream/health.js';
import { closeApp, makeApp, serveApp, type Served, type TestApp } from './support/app.js';
import { oauthEntry, plainEntry, spec } from '../helpers/machine-harness.js';
import { within } from './support/bounded.js';

let t: TestApp | undefined;
let served: Served | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await served?.close();
  await closeApp(t);
  t = served = undefined;
});

async function setup(overrides: Parameters<typeof makeApp>[0] = {}, world = {}) {
  t = await makeApp(overrides, world);
  served = await serveApp(t.app);
  return t;
}

async function connectClient(headers: Record<string, string> = {}) {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${served!.url}/mcp`), {
    requestInit: { headers },
  });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

const metricValue = async (name: string, labels: string) => {
  const text = await t!.deps.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('/mcp', () => {
  it('lists <server>__<tool> of usable upstreams with metadata passed through', async () => {
    await setup();
    const { client } = await connectClient();
    expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'github__boom',
      'github__echo',
      'github__fail',
      'plain__boom',
      'plain__echo',
      'plain__fail',
    ]);
    const echo = tools.find((tool) => tool.name === 'plain__echo')!;
    expect(echo).toMatchObject({
      title: 'Echo',
      description: 'Echoes its arguments',
      inputSchema: { type: 'object', required: ['text'] },
      outputSchema: { type: 'object' },
      annotations: { readOnlyHint: true },
    });
  });

  it('routes a call to the owning session and passes the result through unchanged', async () => {
    await setup();
    const { client } = await connectClient();
    const result = await client.callTool({ name: 'plain__echo', arguments: { text: 'hi' } });
    expect(result).toEqual({
      content: [{ type: 'text', text: 'hi' }],
      structuredContent: { text: 'hi' },
      _meta: { upstream: 'echo' },
    });
    const session = t!.world.sessions.get('plain')!;
    expect(session.calls[0]).toMatchObject({ name: 'echo', args: { text: 'hi' } });
    expect(session.calls[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(t!.world.sessions.get('github')!.calls).toHaveLength(0);
    expect(await metricValue('mcpproxy_tool_calls_total', 'server="plain",result="success"')).toBe(
      1,
    );
    expect(await metricValue('mcpproxy_tool_call_duration_seconds_count', 'server="plain"')).toBe(
      1,
    );
  });

  it('passes an upstream isError result through and counts it as an error', async () => {
    await setup();
    const { client } = await connectClient();
    const result = await client.callTool({ name: 'github__fail', arguments: {} });
    expect(result).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'upstream says no' }],
      structuredContent: { reason: 'no' },
    });
    expect(await metricValue('mcpproxy_tool_calls_total', 'server="github",result="error"')).toBe(
      1,
    );
  });

  it('turns a thrown upstream failure into a redacted tool error', async () => {
    await setup();
    const { client } = await connectClient();
    const result = (await client.callTool({ name: 'plain__boom', arguments: {} })) as any;
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toContain('socket hang up');
    expect(result.content[0].text).not.toMatch(/at-secret/);
  });

  it('answers at once with the health of a server that is not usable', async () => {
    await setup();
    const { client } = await connectClient();
    t!.world.child('github').send({ type: 'auth.logout' });
    const result = (await client.callTool({
      name: 'github__echo',
      arguments: { text: 'x' },
    })) as any;
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toBe(
      'github is not available: Login required (Logged out - login required). Action: login',
    );
    // A server that was never usable in this process is found by its name prefix.
    const locked = (await client.callTool({ name: 'locked__anything', arguments: {} })) as any;
    expect(locked.content[0].text).toMatch(/^locked is not available: Login required/);
    expect(
      await metricValue('mcpproxy_tool_calls_total', 'server="github",result="unavailable"'),
    ).toBe(1);
  });

  it("keeps serving a server's tools on its current token while a forced re-login runs", async () => {
    await setup();
    const { client } = await connectClient();
    const github = t!.world.child('github');
    github.send({ type: 'auth.login', force: true });
    await waitFor(github, (s) => statePath(s.value) === 'loggingIn', { timeout: 2000 });

    const result = await client.callTool({ name: 'github__echo', arguments: { text: 'during' } });
    expect(result.content).toEqual([{ type: 'text', text: 'during' }]);
    expect(t!.world.sessions.get('github')!.calls).toHaveLength(1);
  });

  it('answers an MCP error for a tool no server owns', async () => {
    await setup();
    const { client } = await connectClient();
    // The client's McpError adds its "MCP error CODE: " prefix once, to the proxy's message.
    await expect(client.callTool({ name: 'nobody__echo', arguments: {} })).rejects.toThrow(
      /^MCP error -32602: Unknown tool: nobody__echo$/,
    );
    await expect(client.callTool({ name: 'plain__missing', arguments: {} })).rejects.toThrow(
      /^MCP error -32602: Unknown tool: plain__missing$/,
    );
  });

  it('tells a caller of a server removed from the config that it is no longer configured', async () => {
    await setup();
    const { client } = await connectClient();
    expect((await client.callTool({ name: 'plain__echo', arguments: { text: 'a' } })).isError).toBe(
      undefined,
    );
    t!.world.supervisor.send({
      type: 'config.updated',
      servers: [
        spec(oauthEntry('github')),
        spec(oauthEntry('locked')),
        spec({ ...plainEntry('off'), enabled: false }),
      ],
    });
    await within(
      (async () => {
        while (t!.world.supervisor.system.get('upstream:plain')) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
      3000,
      'plain stopped',
    );
    const result = await client.callTool({ name: 'plain__echo', arguments: { text: 'b' } });
    expect(result).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'plain is not available: it is no longer configured.' }],
    });
    // A name no server ever had is still unknown.
    await expect(client.callTool({ name: 'nobody__echo', arguments: {} })).rejects.toThrow(
      /Unknown tool: nobody__echo$/,
    );
  });

  it('sends tools/list_changed to every session when a server disconnects', async () => {
    await setup();
    const a = await connectClient();
    const b = await connectClient();
    const changed = (client: Client) =>
      new Promise<void>((resolve) =>
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
      );
    const both = Promise.all([changed(a.client), changed(b.client)]);
    // Clients open their GET streams after initialize; notifications travel on those.
    await served!.answered((r) => r.method === 'GET' && new URL(r.url).pathname === '/mcp', 2);
    t!.world.notifiers.get('plain')!({ type: 'upstream.disconnected', error: 'connection reset' });
    await waitFor(t!.world.child('plain'), (s) => statePath(s.value) === 'retrying', {
      timeout: 2000,
    });
    await within(both, 3000, 'tools/list_changed on both sessions');
    const { tools } = await a.client.listTools();
    expect(tools.some((tool) => tool.name.startsWith('plain__'))).toBe(false);
  });

  it('skips tool names over 128 characters with a warning', async () => {
    const long = 'x'.repeat(130);
    await setup({}, { tools: { plain: [{ name: long, inputSchema: { type: 'object' } }] } });
    const { client } = await connectClient();
    const { tools } = await client.listTools();
    expect(tools.some((tool) => tool.name.includes(long))).toBe(false);
    expect(t!.world.log.lines.some((l) => String(l.msg).includes('longer than 128'))).toBe(true);
  });

  it('ends a session on DELETE and refuses its id afterwards', async () => {
    await setup();
    const { transport } = await connectClient();
    const id = transport.sessionId!;
    await transport.terminateSession();
    const res = await fetch(`${served!.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': id,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
  });

  it('answers tools/call params of the wrong shape with -32602 and a sentence', async () => {
    await setup();
    const { transport } = await connectClient();
    const call = async (params: unknown) => {
      const response = await fetch(`${served!.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': transport.sessionId!,
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 41, method: 'tools/call', params }),
      });
      return response.json();
    };
    expect(await call(undefined)).toEqual({
      jsonrpc: '2.0',
      id: 41,
      error: {
        code: -32602,
        message: 'tools/call needs params: an object with "name" and "arguments"',
      },
    });
    expect((await call({ name: 7 })).error).toEqual({
      code: -32602,
      message: 'tools/call needs params.name: the tool name, a string',
    });
    expect((await call({ name: 'plain__echo', arguments: ['a'] })).error).toEqual({
      code: -32602,
      message: "tools/call params.arguments must be an object (the tool's named arguments)",
    });
  });

  it('refuses requests without a session, and bodies that are not JSON', async () => {
    await setup();
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(
      (await fetch(`${served!.url}/mcp`, { method: 'POST', headers, body: list })).status,
    ).toBe(400);
    expect((await fetch(`${served!.url}/mcp`, { method: 'POST', headers, body: '{' })).status).toBe(
      400,
    );
    expect((await fetch(`${served!.url}/mcp`, { headers })).status).toBe(400);
  });

  it('needs the API key when one is set', async () => {
    await setup({ apiKey: 'mcp-key' });
    await expect(connectClient()).rejects.toThrow();
    const { client } = await connectClient({ 'X-API-Key': 'mcp-key' });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });
});
