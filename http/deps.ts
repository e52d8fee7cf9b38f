/**
 * @module What `createApp` needs from the composition root (cli/): the running supervisor, time,
 * the event hub, metrics, logger and the security settings.
 */
import type { AnyActorRef } from 'xstate';
import type { InspectionHub } from '../services/inspection/index.js';
import type { DashboardOptions } from './dashboard/index.js';
import type { EventHub, ProxyEvent } from '../services/events/proxy-events.js';
import type { Logger } from '../services/logger/index.js';
import type { ProxyMetrics } from '../services/metrics/metrics.js';

/** The dependencies of the HTTP app. */
export interface AppDeps {
  /** The running supervisor actor. */
  supervisor: AnyActorRef;
  now: () => number;
  /** When set, every /api route (and /mcp, /metrics) requires it. */
  apiKey: string | null;
  replicaId: string;
  storeKind: 'lmdb' | 'postgres';
  events: EventHub<ProxyEvent>;
  metrics: ProxyMetrics;
  /** Called before each `/metrics` scrape, e.g. to refresh the token-expiry gauge. */
  beforeMetricsScrape?: () => void;
  statecharts: Record<string, unknown>;
  logger: Logger;
  version: string;
  /**
   * Extra host names accepted in `Host`/`Origin` (DNS-rebinding protection); loopback names are
   * always accepted. `'*'` accepts any host.
   */
  allowedHosts?: string[];
  /** SSE ping interval, default 30 000 ms. */
  pingIntervalMs?: number;
  /** How long `POST /login` waits for the authorization URL, default 30 000 ms. */
  loginUrlTimeoutMs?: number;
  /** The actors' sanitised inspection stream (`GET /api/v1/inspect`); omitted: no route. */
  inspection?: InspectionHub;
  /** Options of the page at `GET /` (the demo's Break/Heal buttons). */
  dashboard?: DashboardOptions;
}

/** Default SSE ping interval (SPEC §5). */
export const DEFAULT_PING_INTERVAL_MS = 30_000;
/** Default wait of `POST /login` for the authorization URL. */
export const DEFAULT_LOGIN_URL_TIMEOUT_MS = 30_000;
/** Largest accepted REST request body. */
export const MAX_API_BODY_BYTES = 64 * 1024;
/** Largest accepted `/mcp` request body (the SDK's default). */
export const MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;
