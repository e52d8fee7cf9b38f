/**
 * @module The Prometheus metrics of SPEC §9 (prefix `mcpproxy_`), one registry per app so tests
 * can create many.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ProxyMetrics {
  registry: Registry;
  refreshTotal: Counter<'server' | 'result'>;
  refreshDuration: Histogram<'server' | 'result'>;
  upstreamState: Gauge<'server' | 'state'>;
  upstreamHealth: Gauge<'server'>;
  tokenExpiry: Gauge<'server'>;
  toolCalls: Counter<'server' | 'result'>;
  toolCallDuration: Histogram<'server'>;
}

/** Every value `mcpproxy_upstream_state{state}` takes (the top-level states of SPEC §4). */
export const UPSTREAM_STATES = [
  'idle',
  'connecting',
  'connected',
  'authenticated',
  'degraded',
  'retrying',
  'loginRequired',
  'loggingIn',
  'stopped',
] as const;

/** Creates a fresh registry with the proxy's metrics and the default process metrics. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): ProxyMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'mcpproxy_' });
  const registers = [registry];
  return {
    registry,
    refreshTotal: new Counter({
      name: 'mcpproxy_oauth_refresh_total',
      help: 'OAuth token refresh attempts by outcome',
      labelNames: ['server', 'result'],
      registers,
    }),
    refreshDuration: new Histogram({
      name: 'mcpproxy_oauth_refresh_duration_seconds',
      help: 'Duration of OAuth token refresh attempts',
      labelNames: ['server', 'result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    upstreamState: new Gauge({
      name: 'mcpproxy_upstream_state',
      help: 'Current state of each upstream (1 for the active state, 0 otherwise)',
      labelNames: ['server', 'state'],
      registers,
    }),
    upstreamHealth: new Gauge({
      name: 'mcpproxy_upstream_health',
      help: 'Upstream health: 0 healthy, 1 degraded, 2 unhealthy',
      labelNames: ['server'],
      registers,
    }),
    tokenExpiry: new Gauge({
      name: 'mcpproxy_oauth_token_expiry_seconds',
      help: 'Seconds until the access token expires (negative when expired)',
      labelNames: ['server'],
      registers,
    }),
    toolCalls: new Counter({
      name: 'mcpproxy_tool_calls_total',
      help: 'Tool calls through the proxy by outcome (success, error, unavailable)',
      labelNames: ['server', 'result'],
      registers,
    }),
    toolCallDuration: new Histogram({
      name: 'mcpproxy_tool_call_duration_seconds',
      help: 'Duration of tool calls through the proxy',
      labelNames: ['server'],
      registers,
    }),
  };
}
