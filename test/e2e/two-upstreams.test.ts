/**
 * Issue 4, end to end: `serve` with two upstreams — the OAuth test server over Streamable HTTP
 * and the reference `server-everything` over stdio — used by two real MCP clients (the SDK's
 * Client and the MCP inspector CLI). Breaking the authorization server shows up as degraded in
 * REST, in the SSE events and in the metrics; healing it shows healthy again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { waitFor } from '../helpers/proxy-process.js';
import { subscribeEvents } from './support/events.js';
import { EVERYTHING } from './support/everything.js';
import { runInspector } from './support/inspector.js';
import { loginThroughDaemon } from './support/login.js';
import { callTool, connectMcp, toolNames } from './support/mcp-client.js';
import { metricValue, scrape } from './support/metrics.js';
import { pidsWithEnv } from './support/processes.js';
import { waitForState, waitForView } from './support/rest.js';
import { e2eWorld } from './support/world.js';

describe('two upstreams behind one proxy', { timeout: 150_000 }, () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('serves oauth__echo and everything__echo to the SDK client and the inspector CLI; an AS outage is degraded in REST, SSE and metrics, and healthy once healed', async () => {
    const as = await world.authServer({ accessTokenTtlS: 60, rotateRefreshTokens: true });
    // Every refresh fails from the first one on, until healed.
    as.setFail({ mode: 'server_error', grant: 'refresh_token' });
    const home = await world.dir();
    const marker = randomUUID();
    const proxy = await world.proxy({
      config: {
        refresh: { threshold: 0.1 },
        mcpServers: [
          { name: 'oauth', url: as.mcpUrl },
          {
            name: 'everything',
            protocol: 'stdio',
            command: process.execPath,
            args: [EVERYTHING, 'stdio'],
            env: { E2E_MARKER: marker },
          },
        ],
      },
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    const events = await subscribeEvents(world, proxy.url);
    await loginThroughDaemon(proxy.url, 'oauth');
    await waitForState(proxy.url, 'everything', 'connected');

    // The SDK client sees both servers' tools and calls both.
    const client = await connectMcp(proxy.url);
    const names = await toolNames(client);
    expect(names).toEqual(
      expect.arrayContaining(['oauth__echo', 'oauth__add', 'everything__echo']),
    );
    expect(await callTool(client, 'oauth__echo', { message: 'via sdk' })).toEqual({
      isError: false,
      text: 'via sdk',
    });
    expect((await callTool(client, 'everything__echo', { message: 'via sdk' })).text).toContain(
      'via sdk',
    );

    // So does the inspector CLI, in its own process.
    const listed = await runInspector(proxy.url, ['--method', 'tools/list'], home);
    expect(listed.code, listed.stderr).toBe(0);
    const inspectorTools = (
      JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }
    ).tools.map((t) => t.name);
    expect(inspectorTools).toEqual(expect.arrayContaining(['oauth__echo', 'everything__echo']));
    for (const tool of ['oauth__echo', 'everything__echo']) {
      const called = await runInspector(
        proxy.url,
        ['--method', 'tools/call', '--tool-name', tool, '--tool-arg', 'message=via inspector'],
        home,
      );
      expect(called.code, called.stderr).toBe(0);
      expect(called.stdout, tool).toContain('via inspector');
    }

    // The AS answers 500 to the refresh (6 s into a 60 s token): degraded everywhere.
    const degraded = await waitForState(proxy.url, 'oauth', 'degraded');
    expect(degraded).toMatchObject({
      oauth_status: 'retrying',
      connected: true,
      health: { level: 'degraded', summary: 'Token refresh pending', action: 'view_logs' },
    });
    expect(degraded.health.detail).toMatch(
      /^Refresh retry \d+ in \d+s: Token endpoint answered HTTP 500\.$/,
    );
    await events.next(
      (m) =>
        m.event === 'upstream.state' &&
        m.data.server === 'oauth' &&
        m.data.health.level === 'degraded',
    );
    const failed = await events.next(
      (m) => m.event === 'oauth.refresh_failed' && m.data.server === 'oauth',
    );
    expect(failed.data).toMatchObject({
      result: 'failed_server_error',
      retry_count: 1,
      next_retry_at: expect.any(String),
    });
    let metrics = await scrape(proxy.url);
    expect(metricValue(metrics, 'mcpproxy_upstream_health', { server: 'oauth' })).toBe(1);
    expect(metricValue(metrics, 'mcpproxy_upstream_health', { server: 'everything' })).toBe(0);
    expect(
      metricValue(metrics, 'mcpproxy_upstream_state', { server: 'oauth', state: 'degraded' }),
    ).toBe(1);
    expect(
      metricValue(metrics, 'mcpproxy_oauth_refresh_total', {
        server: 'oauth',
        result: 'failed_server_error',
      }),
    ).toBeGreaterThanOrEqual(1);
    // Still usable while degraded: the access token is valid.
    expect((await callTool(client, 'oauth__echo', { message: 'degraded' })).text).toBe('degraded');

    // Healed: the next retry (10 s after the failure) succeeds; healthy everywhere.
    as.setFail({ mode: 'none' });
    await waitForView(
      proxy.url,
      'oauth',
      (v) => v.health.level === 'healthy' && v.state.startsWith('authenticated'),
      {
        timeoutMs: 30_000,
      },
    );
    const healed = events.messages.findIndex(
      (m) => m.event === 'oauth.token_refreshed' && m.data.server === 'oauth',
    );
    expect(healed).toBeGreaterThan(events.messages.indexOf(failed));
    await events.next(
      (m) =>
        m.event === 'upstream.state' &&
        m.data.server === 'oauth' &&
        m.data.health.level === 'healthy' &&
        events.messages.indexOf(m) > healed,
    );
    metrics = await scrape(proxy.url);
    expect(metricValue(metrics, 'mcpproxy_upstream_health', { server: 'oauth' })).toBe(0);
    expect(
      metricValue(metrics, 'mcpproxy_oauth_refresh_total', { server: 'oauth', result: 'success' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(metrics, 'mcpproxy_tool_calls_total', {
        server: 'everything',
        result: 'success',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect((await callTool(client, 'oauth__echo', { message: 'healed' })).text).toBe('healed');
    await client.close();

    // SIGTERM: exit 0, and the stdio upstream's process is gone with it.
    expect(await pidsWithEnv('E2E_MARKER', marker)).toHaveLength(1);
    expect(await proxy.stop('SIGTERM')).toBe(0);
    await waitFor(async () => (await pidsWithEnv('E2E_MARKER', marker)).length === 0, {
      timeoutMs: 5_000,
      what: 'the stdio upstream to exit',
    });
  });
});
