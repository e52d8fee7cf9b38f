/**
 * A tool call may run as long as its upstream keeps sending progress; one that sends neither an
 * answer nor progress for the idle bound is stopped with an error that says so (the SDK's own
 * 60 s request timeout is not used: it cut off every call longer than a minute). Progress goes
 * to the caller, the last one included. A real SDK server over Streamable HTTP on a loopback
 * port, the real connect actor; the bound shortened to 400 ms.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { z } from 'zod';
import type { CallProgress, UpstreamSession } from '../../../machines/upstream/upstream.types.js';
import { createConnectActor } from '../../../services/mcp-client/connect-actor.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { httpEntry } from '../oauth/fixtures.js';
import { serveMcp } from './local-servers.js';

const IDLE_MS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stopServer: (() => Promise<void>) | undefined;
let session: UpstreamSession | undefined;
afterEach(async () => {
  await session?.close();
  await stopServer?.();
  stopServer = session = undefined;
});

/** `steps`: progress every `everyMs`, then the answer; `hang`: never answers. */
async function startServer(): Promise<string> {
  const mcp = new McpServer({ name: 'slow', version: '1.0.0' });
  mcp.registerTool(
    'steps',
    { inputSchema: { count: z.number(), everyMs: z.number() } },
    async ({ count, everyMs }, extra) => {
      for (let i = 1; i <= count; i++) {
        await sleep(everyMs);
        const progressToken = extra._meta?.progressToken;
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: i, total: count },
          });
        }
      }
      return { content: [{ type: 'text', text: `done after ${count}` }] };
    },
  );
  mcp.registerTool('hang', {}, () => new Promise<never>(() => undefined));
  const { url, stop } = await serveMcp(mcp);
  stopServer = stop;
  return url;
}

async function connect(url: string): Promise<UpstreamSession> {
  const output = await toPromise(
    createActor(createConnectActor({ logger: silentLogger, callIdleTimeoutMs: IDLE_MS }), {
      input: {
        entry: httpEntry(url, null, 'slow'),
        serverKey: 'k',
        record: null,
        accessToken: () => null,
        notify: () => undefined,
      },
    }).start(),
  );
  session = output.session;
  return output.session;
}

describe('a long tool call', () => {
  it('runs past the idle bound while progress comes, and every progress reaches the caller', async () => {
    const s = await connect(await startServer());
    const seen: CallProgress[] = [];
    // 6 × 150 ms = 900 ms, more than twice the 400 ms bound.
    const result = await s.callTool(
      'steps',
      { count: 6, everyMs: 150 },
      { onProgress: (p) => void seen.push(p) },
    );
    expect(result.content).toEqual([{ type: 'text', text: 'done after 6' }]);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6].map((progress) => ({ progress, total: 6 })));
  });

  it('is stopped once neither an answer nor progress came for the bound, saying so', async () => {
    const s = await connect(await startServer());
    const started = Date.now();
    await expect(s.callTool('hang', {})).rejects.toThrow(
      'slow sent neither an answer nor progress for hang in 400 ms, so the call was stopped.',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS - 50);
    // The session is still usable.
    expect((await s.callTool('steps', { count: 1, everyMs: 1 })).content).toEqual([
      { type: 'text', text: 'done after 1' },
    ]);
  });
});
