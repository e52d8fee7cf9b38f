/**
 * @module What the machine tests are built from: the simulated time origin, config entries,
 * server specs, token records and whole upstream contexts. Re-exported by machine-harness.ts.
 */
import { emptyRecord, withTokens, type TokenRecord } from '../../machines/upstream/token-record.js';
import type { UpstreamContext, UpstreamEntry } from '../../machines/upstream/upstream.types.js';
import type { ServerSpec } from '../../machines/supervisor/supervisor.types.js';

/** Wall-clock origin of simulated time: 2026-11-24T12:00:00Z. */
export const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

/** A record holding a token issued at `issuedAt` with lifetime `ttlS`. */
export function recordWithToken(
  serverKey: string,
  name: string,
  issuedAt: number,
  ttlS: number,
  generation = 1,
): TokenRecord {
  const base = { ...emptyRecord(serverKey, name, `https://${name}.example/mcp`), generation };
  return withTokens(
    base,
    {
      access_token: `at-seed-${name}`,
      token_type: 'Bearer',
      expires_in: ttlS,
      refresh_token: `rt-seed-${name}`,
    },
    issuedAt,
  );
}

export function oauthEntry(name: string, overrides: Partial<UpstreamEntry> = {}): UpstreamEntry {
  return {
    name,
    protocol: 'http',
    url: `https://${name}.example/mcp`,
    command: null,
    args: [],
    env: {},
    cwd: null,
    headers: {},
    enabled: true,
    oauth: {
      client_id: null,
      client_secret: null,
      scopes: [],
      redirect_uri: null,
      extra_params: {},
    },
    ...overrides,
  };
}

export function plainEntry(name: string): UpstreamEntry {
  return oauthEntry(name, { oauth: null });
}

/**
 * A whole upstream context for code that reads snapshots (health, views, the observer) without
 * running the machine: OAuth server `gh`, nothing stored, nothing failed; `overrides` win.
 */
export function upstreamContext(overrides: Partial<UpstreamContext> = {}): UpstreamContext {
  return {
    entry: oauthEntry('gh'),
    serverKey: 'gh_0',
    settings: { threshold: 0.8, minIntervalMs: 10_000 },
    jitter: 0,
    env: { now: () => T0, newId: () => 'id' },
    oauth: true,
    record: null,
    session: null,
    tools: [],
    failures: 0,
    nextRetryAt: null,
    lastError: null,
    lastResult: null,
    loginReason: null,
    loginError: null,
    oauthError: null,
    flow: null,
    stepUpScopes: [],
    internal: {
      recordError: null,
      retryAfterMs: null,
      lastAttemptAt: null,
      refreshNow: false,
      pending: null,
      rejectedClientId: null,
    },
    storeAvailable: true,
    ...overrides,
  };
}

export function spec(
  entry: UpstreamEntry,
  serverKey = `${entry.name}_0000000000000000`,
): ServerSpec {
  return { entry, serverKey };
}
