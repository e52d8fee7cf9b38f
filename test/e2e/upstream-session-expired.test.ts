/**
 * An upstream that ends its MCP session (a restart, an idle timeout: it answers HTTP 404 to the
 * old session id) costs one failed call, not a 10 s outage: the proxy starts a new session at
 * once, as the MCP spec asks of a client. Real `serve`, the OAuth test server's MCP endpoint, the
 * SDK client.
 */
import { describe, expect, it } from 'vitest';
import { loginThroughDaemon } from './support/login.js';
import { callTool, connectMcp } from './support/mcp-client.js';
import { serverView } from './support/rest.js';
import { oauthConfig, testWorld } from './support/world.js';

describe('an upstream session the server ended', { timeout: 60_000 }, () => {
  it('is replaced at once: a call soon after succeeds, without waiting for the 10 s backoff', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer();
    const proxy = await world.proxy({
      config: oauthConfig([['oauth', as]]),
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    await loginThroughDaemon(proxy.url, 'oauth');
    const client = await connectMcp(proxy.url);
    expect(await callTool(client, 'oauth__echo', { message: 'before' })).toEqual({
      isError: false,
      text: 'before',
    });

    expect(await as.closeSessions()).toBeGreaterThanOrEqual(1);
    const lost = await callTool(client, 'oauth__echo', { message: 'lost' });
    expect(lost.isError).toBe(true);
    expect(lost.text).toContain('lost the MCP session (HTTP 404); reconnecting');

    // Bounded: 20 tries 100 ms apart (2 s). Behind the 10 s backoff every one of them fails.
    let after = lost;
    for (let i = 0; i < 20 && after.isError; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await callTool(client, 'oauth__echo', { message: 'after' });
    }
    expect(after).toEqual({ isError: false, text: 'after' });
    const view = await serverView(proxy.url, 'oauth');
    expect(view.state).toBe('authenticated.refreshScheduled');
    expect(view.oauth?.retry_count ?? 0).toBe(0);
    await client.close();
  });
});
