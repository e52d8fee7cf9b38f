/**
 * Issue 3, in real time: with 3-second access tokens the proxy refreshes each one at 80 % of its
 * lifetime, so the upstream stays connected and every tool call succeeds for ~25 s — no call
 * ever reaches the upstream with an expired token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { authorizeCount, refreshRequests } from './support/as-log.js';
import { loginThroughDaemon } from './support/login.js';
import { callTool, connectMcp } from './support/mcp-client.js';
import { serverView } from './support/rest.js';
import { e2eWorld, oauthConfig } from './support/world.js';

const SOAK_MS = 25_000;
const TTL_S = 3;

describe('proactive refresh keeps a 3 s token alive', () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('refreshes at 80 % of each lifetime and keeps tool calls succeeding for ~25 s of real time', async () => {
    const as = await world.authServer({ accessTokenTtlS: TTL_S, rotateRefreshTokens: true });
    const proxy = await world.proxy({
      config: oauthConfig([['oauth', as]]),
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    await loginThroughDaemon(proxy.url, 'oauth');
    const client = await connectMcp(proxy.url);
    const soakStart = new Date().toISOString();

    const failures: string[] = [];
    const states = new Set<string>();
    let calls = 0;
    const end = Date.now() + SOAK_MS;
    while (Date.now() < end) {
      const message = `call ${calls}`;
      const outcome = await callTool(client, 'oauth__echo', { message });
      if (outcome.isError || outcome.text !== message) failures.push(`${message}: ${outcome.text}`);
      states.add((await serverView(proxy.url, 'oauth')).state.split('.')[0]!);
      calls += 1;
      await new Promise((r) => setTimeout(r, 200));
    }
    await client.close();

    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(40);
    expect([...states].sort()).toEqual(['authenticated']);

    // Each schedule lands at 80 % of the lifetime (less at most the 5 % earlier-only jitter).
    const schedules = proxy
      .logLines()
      .filter((l) => l.msg === 'OAuth token refresh scheduled' && l.server === 'oauth');
    expect(schedules.length).toBeGreaterThanOrEqual(8);
    for (const line of schedules) {
      const lead = Date.parse(String(line.expires_at)) - Date.parse(String(line.refresh_at));
      expect(lead).toBeGreaterThanOrEqual(0.2 * TTL_S * 1000 - 5);
      expect(lead).toBeLessThanOrEqual(0.25 * TTL_S * 1000 + 5);
    }

    // The AS saw one refresh per lifetime, each well before the previous token expired, no
    // reuse of a rotated refresh token, and no MCP request with an expired token.
    const refreshes = refreshRequests(as).filter((e) => e.at >= soakStart);
    expect(refreshes.length).toBeGreaterThanOrEqual(8);
    expect(refreshes.every((e) => e.status === 200 && !e.reused_refresh_token)).toBe(true);
    const refused = as
      .log()
      .filter((e) => e.path === '/mcp' && e.at >= soakStart && e.status === 401);
    expect(refused).toEqual([]);
    const tokensUsed = new Set(
      as
        .log()
        .filter((e) => e.path === '/mcp' && e.at >= soakStart)
        .map((e) => e.access_token_fp),
    );
    expect(tokensUsed.size).toBeGreaterThanOrEqual(refreshes.length);
    expect(authorizeCount(as)).toBe(1);
  }, 60_000);
});
