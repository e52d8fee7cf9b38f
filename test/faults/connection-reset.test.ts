/**
 * @module One request whose connection is reset (a keep-alive race, a proxy in between) fails
 * that call only: the MCP session is not given up, so the next call goes through at once instead
 * of every call answering "not available" until a reconnect 10 s later. Seen under load: one
 * reset took an upstream away for 10 s and failed hundreds of calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { startHostileMcp, type HostileMcp } from '../security/support/hostile-mcp.js';
import { serverView, STARTUP_MS, waitForView } from './support/daemon-api.js';
import { call, connectMcp, textOf } from './support/mcp-client.js';

const tool = (name: string) => ({
  name,
  inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
});
let upstream: HostileMcp;
let proxy: ProxyProcess;
let client: Client;

beforeAll(async () => {
  upstream = await startHostileMcp({ tools: [tool('echo'), tool('drop')] });
  proxy = await startProxy({
    timeoutMs: STARTUP_MS,
    logLevel: 'info',
    config: { mcpServers: { up: { url: upstream.url, protocol: 'http' } } },
  });
  await waitForView(proxy.url, 'up', (v) => v.state === 'connected');
  client = await connectMcp(proxy.url);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await proxy?.stop();
  await upstream?.stop();
});

describe('a connection reset under one call', () => {
  it('fails that call with a clear error, and the next call goes through on the same session', async () => {
    const dropped = await call(client, 'up__drop', {});
    expect(dropped.isError).toBe(true);
    expect(textOf(dropped)).toMatch(/up .*connection reset/);
    const next = await call(client, 'up__echo', { message: 'still here' });
    expect(textOf(next)).toBe('still here');
    expect((await serverView(proxy.url, 'up')).state).toBe('connected');
  });
});
