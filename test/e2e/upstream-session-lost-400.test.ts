/**
 * An upstream built like the MCP SDK's example answers HTTP 400 (not the spec's 404) to a session
 * it no longer knows after a restart. The proxy takes that as the end of the session too: a call
 * that meets it fails once and the next one goes through a new session, and an idle server whose
 * event stream meets it reconnects before any call fails. Real `serve`, a real SDK server on a
 * loopback port, the SDK client.
 */
import { describe, expect, it } from 'vitest';
import { callTool, connectMcp } from './support/mcp-client.js';
import { serverView, waitForState } from './support/rest.js';
import { startSdkExampleUpstream, type SdkExampleOptions } from './support/sdk-example-upstream.js';
import { testWorld, type E2eWorld } from './support/world.js';

async function proxyWithUpstream(world: E2eWorld, options: SdkExampleOptions = {}) {
  const upstream = await startSdkExampleUpstream(options);
  world.defer(() => upstream.stop());
  const proxy = await world.proxy({
    config: { mcpServers: [{ name: 'ex', url: upstream.url, protocol: 'http' }] },
    dataDir: await world.dir(),
    logLevel: 'info',
  });
  await waitForState(proxy.url, 'ex', 'connected');
  const client = await connectMcp(proxy.url);
  world.defer(() => client.close());
  expect(await callTool(client, 'ex__echo', { message: 'before' })).toEqual({
    isError: false,
    text: 'before',
  });
  return { upstream, proxy, client };
}

describe.concurrent(
  'an upstream that answers 400 to a session it forgot',
  { timeout: 60_000 },
  () => {
    it('costs one failed call: the next goes through a new session at once', async ({
      onTestFinished,
    }) => {
      const world = testWorld(onTestFinished);
      const { upstream, proxy, client } = await proxyWithUpstream(world);

      await upstream.restart();
      // The restart also closed the kept-alive connection: a call may first meet that reset,
      // then the 400. Bounded: 20 tries 100 ms apart (2 s); behind the 10 s backoff every one
      // of them would fail.
      const failures: string[] = [];
      let after = await callTool(client, 'ex__echo', { message: 'after' });
      for (let i = 0; i < 20 && after.isError; i++) {
        failures.push(after.text);
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await callTool(client, 'ex__echo', { message: 'after' });
      }
      expect(after).toEqual({ isError: false, text: 'after' });
      // The reset, the 400, and (on a loaded machine) a call during the reconnect.
      expect(failures.length).toBeGreaterThanOrEqual(1);
      expect(
        failures.some((f) => f.includes('lost the MCP session (HTTP 400); reconnecting')),
      ).toBe(true);
      expect(upstream.initializeCount()).toBe(2);
      const view = await serverView(proxy.url, 'ex');
      expect(view.state).toBe('connected');
      expect(view.last_error).toBeNull();
    });

    it('is noticed by the event stream of an idle server, which reconnects before any call', async ({
      onTestFinished,
    }) => {
      const world = testWorld(onTestFinished);
      const { upstream, proxy, client } = await proxyWithUpstream(world);

      await upstream.restart();
      // The event stream reconnects on the SDK's schedule (about a second), meets the 400 and the
      // proxy starts a new session. Bounded: 100 polls 100 ms apart.
      for (let i = 0; i < 100 && upstream.initializeCount() < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(upstream.initializeCount()).toBe(2);
      await waitForState(proxy.url, 'ex', 'connected');
      expect(await callTool(client, 'ex__echo', { message: 'first call after' })).toEqual({
        isError: false,
        text: 'first call after',
      });
      const lines = proxy.logLines().filter((l) => l.msg === 'upstream disconnected');
      expect(lines.map((l) => l.error)).toEqual(['the MCP session expired (HTTP 400)']);
    });

    it('is not taken for a lost session when the server refuses the event stream from the start', async ({
      onTestFinished,
    }) => {
      const world = testWorld(onTestFinished);
      const { upstream, proxy, client } = await proxyWithUpstream(world, {
        getNotFoundAfterMs: 200,
      });
      // Each session's first GET is answered 404 once the session is in use. Replacing the
      // session for that would loop; the session is kept. Bounded: 1.5 s is several rounds.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(upstream.initializeCount()).toBe(1);
      expect(await callTool(client, 'ex__echo', { message: 'still' })).toEqual({
        isError: false,
        text: 'still',
      });
      expect((await serverView(proxy.url, 'ex')).state).toBe('connected');
    });
  },
);
