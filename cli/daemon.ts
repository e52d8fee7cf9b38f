/**
 * @module The composition root of `mcpproxy serve`: config, logger, store, supervisor with the
 * real actors, observer, Hono app and the listening socket; and the orderly shutdown.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { serve, type ServerType } from '@hono/node-server';
import { createActor, type InspectionEvent } from 'xstate';
import { supervisorMachine } from '../machines/supervisor/supervisor.machine.js';
import type { ServerSpec } from '../machines/supervisor/supervisor.types.js';
import type { DashboardOptions } from '../http/dashboard/index.js';
import { createApp } from '../http/index.js';
// The hub's own module: the inspection index also loads `ws` for the Stately adapter.
import { createInspectionHub } from '../services/inspection/inspection-hub.js';
import {
  formatListen,
  loadConfig,
  serverTarget,
  type ProxyConfig,
} from '../services/config/index.js';
import { ConfigError, ProxyError } from '../services/errors.js';
import { EventHub, type ProxyEvent } from '../services/events/proxy-events.js';
import { createLogger, type Logger, type LogLevel } from '../services/logger/index.js';
import { createMetrics } from '../services/metrics/metrics.js';
import { createUpstreamObserver } from '../services/observer/upstream-observer.js';
import { watchClockJumps } from '../services/runtime/clock-jump.js';
import { reloadConfigOnChange } from '../services/runtime/config-reload.js';
import { settleRefreshes } from '../services/runtime/settle-refreshes.js';
import { createStoreActor } from '../services/runtime/store-actor.js';
import { provideUpstream } from '../services/runtime/upstream-logic.js';
import { serverKey } from '../services/server-key.js';
import { statecharts } from '../services/statecharts/index.js';
import {
  ENCRYPTION_KEY_ENV,
  loadEncryptionKey,
  openLmdbStore,
  type PostgresTokenStore,
} from '../services/token-store/index.js';
import type { TokenStore } from '../services/token-store/token-store.js';
import { version } from './version.js';

/**
 * How long `stop()` lets token refreshes in flight reach the store, within serve's 5 s shutdown
 * budget (stopping 1,000 upstreams and closing the store take about 1 s more).
 */
const REFRESH_SETTLE_MS = 3_000;

export interface DaemonOptions {
  configPath: string;
  /** Who named `configPath` (`--config`, `$MCPPROXY_CONFIG`); null or absent for the default. */
  configSource?: string | null;
  dataDir: string;
  listen?: string;
  logLevel?: LogLevel;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Extra inspection listeners (the Stately WebSocket inspector of `--inspect`). */
  inspectors?: Array<(event: InspectionEvent) => void>;
  /** Options of the page (the demo's Break/Heal buttons). */
  dashboard?: DashboardOptions;
}

export interface Daemon {
  url: string;
  config: ProxyConfig;
  configFound: boolean;
  supervisor: ReturnType<typeof createActor<typeof supervisorMachine>>;
  store: TokenStore;
  logger: Logger;
  replicaId: string;
  stop(): Promise<void>;
}

/** Config entries as the supervisor wants them: with their server keys. */
export function specsOf(config: ProxyConfig): ServerSpec[] {
  return config.servers.map((entry) => ({
    entry,
    serverKey: serverKey(entry.name, serverTarget(entry)),
  }));
}

function listenError(error: NodeJS.ErrnoException, address: string): ProxyError {
  if (error.code === 'EADDRINUSE') {
    return new ProxyError(
      'port_in_use',
      `Cannot listen on ${address}: the port is already in use. Stop the other process (is another "mcpproxy serve" running?) or pass --listen 127.0.0.1:<free port>.`,
    );
  }
  if (error.code === 'EACCES') {
    return new ProxyError(
      'port_denied',
      `Cannot listen on ${address}: permission denied. Use a port above 1023.`,
    );
  }
  return new ProxyError('listen_failed', `Cannot listen on ${address}: ${error.message}.`);
}

async function listen(
  app: { fetch: (req: Request) => Response | Promise<Response> },
  host: string,
  port: number,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) =>
      resolve({ server, port: info.port }),
    );
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(listenError(error, `${host}:${port}`)),
    );
  });
}

/**
 * Opens the token store the config asks for: LMDB in the data dir (default), or the shared
 * PostgreSQL store, whose replicas must share `$MCPPROXY_ENCRYPTION_KEY` (SPEC §3b).
 */
async function openStore(
  config: ProxyConfig,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<TokenStore> {
  if (config.store.kind === 'postgres') {
    if (!env[ENCRYPTION_KEY_ENV]?.trim()) {
      throw new ConfigError(
        `A postgres store is shared by replicas, so they must share the record key: set $${ENCRYPTION_KEY_ENV} (64 hex characters, e.g. from "openssl rand -hex 32") on every replica.`,
      );
    }
    const { key } = await loadEncryptionKey({ dataDir, env });
    // Loaded only here: `pg` costs every other start ≈ 60 ms of module loading.
    const { openPostgresStore } = await import('../services/token-store/postgres-store.js');
    return openPostgresStore({ url: config.store.url!, encryptionKey: key, logger });
  }
  const { key } = await loadEncryptionKey({ dataDir, env });
  return openLmdbStore({ dataDir, encryptionKey: key });
}

/** Starts the daemon; resolves once it listens. Throws ConfigError/StoreError/ProxyError. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger({ level: options.logLevel ?? 'info' });
  const { config, found, warnings } = await loadConfig(options.configPath, {
    env,
    listenOverride: options.listen,
  });
  for (const warning of warnings) logger.warn({ config: options.configPath }, warning);
  if (!found && options.configSource) {
    // A path someone typed: a typo there should not pass as "no config" (SPEC §2 still starts).
    logger.warn(
      { config: options.configPath },
      `Config file ${options.configPath} (given by ${options.configSource}) does not exist: starting with zero upstream servers`,
    );
  } else if (!found) {
    logger.info(
      { config: options.configPath },
      'No config file found: starting with zero upstream servers',
    );
  }

  const store = await openStore(config, options.dataDir, env, logger);
  const replicaId = env.MCPPROXY_REPLICA_ID || `${hostname()}-${randomBytes(3).toString('hex')}`;
  const metrics = createMetrics();
  const events = new EventHub<ProxyEvent>();
  const observer = createUpstreamObserver({ logger, metrics, events, now: Date.now });
  const inspection = createInspectionHub();
  const inspectors = options.inspectors ?? [];

  const supervisor = createActor(
    supervisorMachine.provide({
      actors: {
        upstream: provideUpstream({
          store,
          logger,
          ownerId: replicaId,
          asBudgetPerMinute: config.as_budget_per_minute,
        }),
        store: createStoreActor(store, logger),
      },
    }),
    {
      systemId: 'supervisor',
      input: {
        servers: specsOf(config),
        settings: {
          threshold: config.refresh.threshold,
          minIntervalMs: config.refresh.min_interval_s * 1000,
        },
        maxJitter: 0.05,
        jitterSeed: 0x6d63,
        env: { now: Date.now, newId: randomUUID },
      },
      // Only `--inspect` inspects everything from the start. The observer follows the upstream
      // actors themselves and the hub inspects only while someone reads `/api/v1/inspect`:
      // with no inspector, XState builds no inspection event (≈ 28 per token refresh).
      ...(inspectors.length > 0
        ? {
            inspect: (event: InspectionEvent) => {
              for (const inspect of inspectors) inspect(event);
            },
          }
        : {}),
    },
  );
  supervisor.subscribe({ error: (error) => logger.error({ err: error }, 'supervisor failed') });
  observer.watch(supervisor);
  inspection.attach(supervisor);
  supervisor.start();
  const stopAvailability =
    'onAvailability' in store
      ? (store as PostgresTokenStore).onAvailability((available) =>
          supervisor.send({ type: 'store.availability', available }),
        )
      : () => undefined;
  const stopConfigWatch = reloadConfigOnChange({
    path: options.configPath,
    overrides: { env, listenOverride: options.listen },
    running: config,
    supervisor,
    logger,
    toSpecs: specsOf,
  });
  const stopClockWatch = watchClockJumps((drift) => {
    logger.info({ drift_ms: drift }, 'Wall clock jumped (sleep/wake): re-evaluating every token');
    supervisor.send({ type: 'clock.jumped' });
  });

  const app = createApp({
    supervisor,
    now: Date.now,
    apiKey: config.api_key,
    replicaId,
    storeKind: store.kind,
    events,
    metrics,
    beforeMetricsScrape: () => observer.updateTimedGauges(),
    statecharts: statecharts(),
    logger,
    version,
    // A wildcard listen serves remote clients by any name; the API key (required there) guards it.
    allowedHosts:
      ['0.0.0.0', '::', '[::]'].includes(config.listen.host) && config.api_key
        ? ['*']
        : [config.listen.host],
    inspection,
    dashboard: options.dashboard,
  });

  let bound: { server: ServerType; port: number };
  try {
    bound = await listen(app, config.listen.host, config.listen.port);
  } catch (error) {
    stopConfigWatch();
    stopClockWatch();
    supervisor.stop();
    await store.close();
    throw error;
  }
  const url = `http://${formatListen({ host: config.listen.host, port: bound.port })}`;
  logger.info(
    { url, servers: config.servers.length, data_dir: options.dataDir, replica_id: replicaId },
    'mcpproxy listening',
  );

  let stopping: Promise<void> | null = null;
  return {
    url,
    config,
    configFound: found,
    supervisor,
    store,
    logger,
    replicaId,
    stop() {
      stopping ??= (async () => {
        stopConfigWatch();
        stopClockWatch();
        stopAvailability();
        await app.close();
        await settleRefreshes(supervisor, logger, REFRESH_SETTLE_MS);
        supervisor.send({ type: 'supervisor.stop' });
        supervisor.stop();
        await new Promise<void>((resolve) => {
          bound.server.close(() => resolve());
          (bound.server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await store.close();
      })();
      return stopping;
    },
  };
}
