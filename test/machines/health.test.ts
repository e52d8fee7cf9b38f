import { describe, expect, it } from 'vitest';
import type { StateValue } from 'xstate';
import { healthOf, oauthStatusOf, type UpstreamView } from '../../machines/upstream/health.js';
import { serverView } from '../../machines/upstream/server-view.js';
import type { UpstreamContext } from '../../machines/upstream/upstream.types.js';
import { plainEntry, recordWithToken, T0, upstreamContext } from '../helpers/machine-harness.js';

function context(overrides: Partial<UpstreamContext> = {}): UpstreamContext {
  return upstreamContext({
    record: recordWithToken(
      'gh_0',
      'gh',
      Date.UTC(2026, 10, 24, 13, 30, 0) - (4500_000 / 0.8) * 0.8,
      5625,
    ),
    tools: [
      { name: 'a', inputSchema: {} },
      { name: 'b', inputSchema: {} },
    ],
    ...overrides,
  });
}

const view = (value: StateValue, ctx: Partial<UpstreamContext> = {}): UpstreamView => ({
  value,
  context: context(ctx),
});

describe('health (SPEC §4 table)', () => {
  it.each<[string, StateValue, Partial<UpstreamContext>, object, string]>([
    [
      'idle',
      'idle',
      {},
      { level: 'healthy', summary: 'Disabled', action: 'enable' },
      'authenticated',
    ],
    [
      'connecting',
      { connecting: 'handshake' },
      {},
      { level: 'healthy', summary: 'Connecting', action: 'none' },
      'authenticated',
    ],
    [
      'connecting, refreshing the expired access token',
      { connecting: 'refreshing' },
      {},
      {
        level: 'degraded',
        summary: 'Connecting',
        detail: 'Refreshing the expired access token',
        action: 'none',
      },
      'authenticated',
    ],
    [
      'connected',
      'connected',
      { oauth: false, entry: plainEntry('fs') },
      { level: 'healthy', summary: 'Connected (2 tools)', action: 'none' },
      'none',
    ],
    [
      'authenticated',
      { authenticated: 'refreshScheduled' },
      {},
      {
        level: 'healthy',
        summary: 'Connected (2 tools)',
        detail: 'Token refresh scheduled for 2026-11-24T13:30:00Z',
        action: 'none',
      },
      'authenticated',
    ],
    [
      'authenticated, the refresh outliving the access token',
      { authenticated: 'refreshing' },
      { record: recordWithToken('gh_0', 'gh', T0 - 3600_000, 600) },
      {
        level: 'degraded',
        summary: 'Token expired',
        detail:
          'Access token expired at 2026-11-24T11:10:00Z; the refresh is still running - calls fail until it succeeds',
        action: 'none',
      },
      'expired',
    ],
    [
      'authenticated, the refresh outliving the access token during a store outage',
      { authenticated: 'refreshing' },
      { record: recordWithToken('gh_0', 'gh', T0 - 3600_000, 600), storeAvailable: false },
      { level: 'degraded', summary: 'Token store unavailable', action: 'view_logs' },
      'expired',
    ],
    [
      'degraded',
      { degraded: 'waiting' },
      { failures: 2, nextRetryAt: T0 + 40_000, lastError: 'connection timeout' },
      {
        level: 'degraded',
        summary: 'Token refresh pending',
        detail: 'Refresh retry 2 in 40s: connection timeout',
        action: 'view_logs',
      },
      'retrying',
    ],
    [
      'retrying (OAuth)',
      'retrying',
      {
        failures: 3,
        nextRetryAt: T0 + 80_000,
        lastError: 'HTTP 503',
        record: recordWithToken('gh_0', 'gh', T0 - 7200_000, 60),
      },
      {
        level: 'unhealthy',
        summary: 'Token expired',
        detail: 'Retry 3 in 80s: HTTP 503',
        action: 'view_logs',
      },
      'expired',
    ],
    [
      'retrying (no OAuth)',
      'retrying',
      {
        oauth: false,
        failures: 1,
        nextRetryAt: T0 + 10_000,
        lastError: 'connect ECONNREFUSED 127.0.0.1:9',
        record: null,
      },
      { level: 'unhealthy', summary: 'Connection refused', action: 'restart' },
      'none',
    ],
    [
      'loginRequired',
      'loginRequired',
      { loginReason: 'Refresh token expired - login required' },
      {
        level: 'unhealthy',
        summary: 'Login required',
        detail: 'Refresh token expired - login required',
        action: 'login',
      },
      'login_required',
    ],
    [
      'loginRequired (OAuth error)',
      'loginRequired',
      { loginReason: 'No OAuth metadata', oauthError: 'No OAuth metadata' },
      { level: 'unhealthy', summary: 'Login required', action: 'login' },
      'error',
    ],
    [
      'loggingIn',
      'loggingIn',
      { flow: { kind: 'login', correlationId: 'c-1', authUrl: null, startedAt: T0 } },
      {
        level: 'degraded',
        summary: 'Login in progress',
        detail: 'Waiting for browser login (correlation_id c-1)',
        action: 'none',
      },
      'login_required',
    ],
    [
      'stopped',
      'stopped',
      {},
      { level: 'unhealthy', summary: 'Stopped', action: 'restart' },
      'authenticated',
    ],
  ])('%s', (_, value, ctx, health, status) => {
    expect(healthOf(view(value, ctx), T0)).toMatchObject(health);
    expect(oauthStatusOf(view(value, ctx), T0)).toBe(status);
  });

  it('degrades a healthy OAuth server while the token store is unavailable', () => {
    expect(
      healthOf(view({ authenticated: 'refreshScheduled' }, { storeAvailable: false }), T0),
    ).toMatchObject({
      level: 'degraded',
      summary: 'Token store unavailable',
    });
    expect(healthOf(view('connected', { oauth: false, storeAvailable: false }), T0).level).toBe(
      'healthy',
    );
  });

  it('warns 24 h before the refresh token runs out', () => {
    const record = {
      ...recordWithToken('gh_0', 'gh', T0, 3600),
      refresh_expires_at: T0 + 23.5 * 3600_000,
    };
    expect(healthOf(view({ authenticated: 'refreshScheduled' }, { record }), T0)).toMatchObject({
      level: 'degraded',
      summary: 'Login needed within 23 h',
      action: 'login',
    });
  });
});

describe('serverView (SPEC §5 shape)', () => {
  it('derives every field from the snapshot', () => {
    const record = recordWithToken('gh_0', 'gh', T0, 3600);
    const v = serverView(view({ authenticated: 'refreshScheduled' }, { record }), T0);
    expect(v).toEqual({
      name: 'gh',
      protocol: 'http',
      url: 'https://gh.example/mcp',
      enabled: true,
      state: 'authenticated.refreshScheduled',
      connected: true,
      tool_count: 2,
      oauth_status: 'authenticated',
      token_expires_at: '2026-11-24T13:00:00.000Z',
      health: {
        level: 'healthy',
        summary: 'Connected (2 tools)',
        detail: 'Token refresh scheduled for 2026-11-24T12:48:00Z',
        action: 'none',
      },
      oauth: {
        expires_at: '2026-11-24T13:00:00.000Z',
        refresh_at: '2026-11-24T12:48:00.000Z',
        retry_count: 0,
        next_retry_at: null,
        last_error: null,
        correlation_id: null,
      },
      last_error: null,
      last_login_error: null,
    });
  });

  it('has oauth null and no token fields for a server without OAuth', () => {
    const v = serverView(
      view('connected', { oauth: false, entry: plainEntry('fs'), record: null }),
      T0,
    );
    expect(v.oauth).toBeNull();
    expect(v.oauth_status).toBe('none');
    expect(v.token_expires_at).toBeNull();
  });

  it('never carries a token value', () => {
    const v = serverView(view({ authenticated: 'refreshScheduled' }), T0);
    expect(JSON.stringify(v)).not.toMatch(/at-seed|rt-seed/);
  });
});
