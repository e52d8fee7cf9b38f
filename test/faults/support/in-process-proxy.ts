/**
 * @module The daemon's composition (as in cli/daemon.ts) in the test process, for the faults a
 * child process cannot be configured for: here the refresh actor gets a short HTTP timeout
 * (`createRefreshActor({ httpTimeoutMs })`), so "the token endpoint hangs past the timeout" takes
 * seconds instead of 30. Everything else is the real thing: LMDB store, supervisor, upstream
 * actors, MCP client, observer, Hono app on an ephemeral loopback port.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { createActor } from 'xstate';
import { supervisorMachine } from '../../../machines/supervisor/supervisor.machine.js';
import { upstreamMachine } from '../../../machines/upstream/upstream.machine.js';
import { createApp } from '../../../http/index.js';
import { parseConfig, serverTarget } from '../../../services/config/index.js';
import { EventHub, type ProxyEvent } from '../../../services/events/proxy-events.js';
import { createLogger } from '../../../services/logger/index.js';
import { createConnectActor, sessionActor } from '../../../services/mcp-client/index.js';
import { createMetrics } from '../../../services/metrics/metrics.js';
import { createLoginActor, createRefreshActor } from '../../../services/oauth/index.js';
import { createUpstreamObserver } from '../../../services/observer/upstream-observer.js';
import { createRefreshCoordinator } from '../../../services/runtime/refresh-coordinator.js';
import { createStoreActor } from '../../../services/runtime/store-actor.js';
import { serverKey } from '../../../services/server-key.js';
import { statecharts } from '../../../services/statecharts/index.js';
import { loadEncryptionKey, openLmdbStore } from '../../../services/token-store/index.js';

export interface InProcessProxy {
  url: string;
  logLines(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts the proxy for `config` (a config file's content) on 127.0.0.1:0. */
export async function startInProcessProxy(options: {
  config: Record<string, unknown>;
  dataDir: string;
  httpTimeoutMs?: number;
}): Promise<InProcessProxy> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination: sink, pretty: false });
  const { config } = parseConfig(JSON.stringify(options.config), 'in-process.json');
  const { key } = await loadEncryptionKey({ dataDir: options.dataDir, env: {} });
  const store = await openLmdbStore({ dataDir: options.dataDir, encryptionKey: key });
  const ownerId = `in-process-${randomUUID().slice(0, 6)}`;
  const coordinator = createRefreshCoordinator({ store, ownerId, logger });
  const upstream = upstreamMachine.provide({
    actors: {
      connect: createConnectActor({ logger }),
      session: sessionActor,
      refresh: createRefreshActor({
        logger,
        httpTimeoutMs: options.httpTimeoutMs,
        beforeRedeem: coordinator.beforeRedeem,
        onInvalidGrant: coordinator.onInvalidGrant,
      }),
      login: createLoginActor({ logger }),
    },
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const events = new EventHub<ProxyEvent>();
  const observer = createUpstreamObserver({ logger, metrics, events, now: Date.now });
  const supervisor = createActor(
    supervisorMachine.provide({ actors: { upstream, store: createStoreActor(store, logger) } }),
    {
      systemId: 'supervisor',
      input: {
        servers: config.servers.map((entry) => ({
          entry,
          serverKey: serverKey(entry.name, serverTarget(entry)),
        })),
        settings: {
          threshold: config.refresh.threshold,
          minIntervalMs: config.refresh.min_interval_s * 1000,
        },
        maxJitter: 0,
        jitterSeed: 1,
        env: { now: Date.now, newId: randomUUID },
      },
    },
  );
  observer.watch(supervisor);
  supervisor.start();
  const app = createApp({
    supervisor,
    now: Date.now,
    apiKey: null,
    replicaId: ownerId,
    storeKind: 'lmdb',
    events,
    metrics,
    statecharts: statecharts(),
    logger,
    version: 'test',
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    logLines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      await app.close();
      supervisor.send({ type: 'supervisor.stop' });
      supervisor.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await store.close();
    },
  };
}
