/**
 * @module The direct path of `/mcp` (a plain `tools/call` of an established session, answered
 * without the SDK server transport) against a real SDK Client: it keeps what the SDK path does —
 * cancellation and session close abort the call, requests it does not take (a progress token,
 * an unsupported protocol version, a body that is not JSON) are answered as the SDK answers them.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApp, makeApp, serveApp, type Served, type TestApp } from './support/app.js';
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

async function setup() {
  t = await makeApp();
  served = await serveApp(t.app);
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`));
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

/** Makes `plain`'s calls wait until aborted; resolves with each call's signal as it starts. */
function hangCalls(): Promise<AbortSignal> {
  const session = t!.world.sessions.get('plain')!;
  return new Promise((started) => {
    session.callTool = (_name, _args, options) => {
      started(options!.signal!);
      return new Promise((_resolve, reject) =>
        options!.signal!.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    };
  });
}

const postHeaders = (sessionId: string, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-session-id': sessionId,
  ...extra,
});

describe('/mcp direct tools/call', () => {
  it('a cancelled call aborts the upstream call with the reason given', async () => {
    const { client } = await setup();
    const started = hangCalls();
    const cancel = new AbortController();
    const call = client.callTool({ name: 'plain__echo', arguments: { text: 'x' } }, undefined, {
      signal: cancel.signal,
    });
    const signal = await within(started, 3000, 'the upstream call');
    cancel.abort('no longer needed');
    await expect(call).rejects.toThrow();
    await within(
      new Promise((resolve) =>
        signal.aborted ? resolve(null) : signal.addEventListener('abort', resolve),
      ),
      3000,
      'the upstream call aborted',
    );
    expect(signal.reason).toBe('no longer needed');
  });

  it('closing the session aborts its calls in flight', async () => {
    const { client, transport } = await setup();
    const started = hangCalls();
    void client.callTool({ name: 'plain__echo', arguments: { text: 'x' } }).catch(() => undefined);
    const signal = await within(started, 3000, 'the upstream call');
    await transport.terminateSession();
    expect(signal.aborted).toBe(true);
  });

  it('a call with a progress token goes through the SDK server with the same result', async () => {
    const { client } = await setup();
    const result = await client.callTool(
      { name: 'plain__echo', arguments: { text: 'hi' } },
      undefined,
      { onprogress: () => undefined },
    );
    expect(result).toEqual({
      content: [{ type: 'text', text: 'hi' }],
      structuredContent: { text: 'hi' },
      _meta: { upstream: 'echo' },
    });
    expect(t!.world.sessions.get('plain')!.calls).toHaveLength(1);
  });

  it('answers what the SDK answers to an unsupported protocol version and to a body that is not JSON', async () => {
    const { transport } = await setup();
    const id = transport.sessionId!;
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'plain__echo', arguments: { text: 'x' } },
    });
    const version = await fetch(`${served!.url}/mcp`, {
      method: 'POST',
      headers: postHeaders(id, { 'mcp-protocol-version': '1999-01-01' }),
      body: call,
    });
    expect(version.status).toBe(400);
    expect(((await version.json()) as { error: { message: string } }).error.message).toMatch(
      /Unsupported protocol version/,
    );
    const broken = await fetch(`${served!.url}/mcp`, {
      method: 'POST',
      headers: postHeaders(id),
      body: '{',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error: Invalid JSON' },
      id: null,
    });
    const plain = await fetch(`${served!.url}/mcp`, {
      method: 'POST',
      headers: postHeaders(id),
      body: call,
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('mcp-session-id')).toBe(id);
    expect(await plain.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      result: { content: [{ text: 'x' }] },
    });
    expect(t!.world.sessions.get('plain')!.calls).toHaveLength(1);
  });
});
