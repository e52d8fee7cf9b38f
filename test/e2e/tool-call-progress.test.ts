/**
 * A client that sends a progress token gets the upstream's progress notifications through the
 * proxy, under its own token, before the result; so a client timeout that progress resets
 * (`resetTimeoutOnProgress`) lets a call run longer than the timeout. Real `serve`, the
 * reference server-everything over stdio, the SDK client.
 */
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { everythingStdio } from './support/everything.js';
import { connectMcp } from './support/mcp-client.js';
import { waitForState } from './support/rest.js';
import { testWorld } from './support/world.js';

describe('progress of a tool call', { timeout: 60_000 }, () => {
  it('reaches the client step by step and keeps its progress-reset timeout from firing', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const proxy = await world.proxy({
      config: {
        mcpServers: [everythingStdio()],
      },
      dataDir: await world.dir(),
    });
    await waitForState(proxy.url, 'everything', 'connected');
    const client = await connectMcp(proxy.url);
    world.defer(() => client.close());

    const seen: Progress[] = [];
    // 3 s in 6 steps against a 2 s timeout that each progress notification resets.
    const result = await client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 3, steps: 6 } },
      undefined,
      {
        timeout: 2_000,
        resetTimeoutOnProgress: true,
        maxTotalTimeout: 20_000,
        onprogress: (progress) => void seen.push(progress),
      },
    );
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([
      {
        type: 'text',
        text: 'Long running operation completed. Duration: 3 seconds, Steps: 6.',
      },
    ]);
    // The SDK client drops a progress notification that arrives in the same chunk as the
    // result (it forgets the token on the result before its queued progress handler runs), so
    // the last one may be missing here; the raw stream below shows all six.
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen).toEqual(seen.map((_, i) => ({ progress: i + 1, total: 6 })));

    // The answer on the wire: an SSE stream with each notification, then the result.
    const sessionId = (client.transport as { sessionId?: string }).sessionId!;
    const raw = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'raw-1',
        method: 'tools/call',
        params: {
          name: 'everything__trigger-long-running-operation',
          arguments: { duration: 0.6, steps: 3 },
          _meta: { progressToken: 'tok-7' },
        },
      }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(raw.headers.get('content-type')).toBe('text/event-stream');
    const events = (await raw.text())
      .split('\n\n')
      .filter((block) => block.includes('data: '))
      .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)));
    expect(events.slice(0, -1)).toEqual(
      [1, 2, 3].map((progress) => ({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'tok-7', progress, total: 3 },
      })),
    );
    expect(events.at(-1)).toMatchObject({
      jsonrpc: '2.0',
      id: 'raw-1',
      result: { content: [{ type: 'text' }] },
    });

    // Without a token the same call is one plain answer (no progress asked for, none sent).
    const plain = await client.callTool(
      {
        name: 'everything__trigger-long-running-operation',
        arguments: { duration: 0.2, steps: 2 },
      },
      undefined,
      { timeout: 10_000 },
    );
    expect(plain.isError).toBeFalsy();
  });
});
