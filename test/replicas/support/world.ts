/**
 * @module The stage of a replica test: one PostgreSQL database, the OAuth test server with
 * refresh-token rotation and reuse detection, and replicas of `mcpproxy serve` on that store,
 * all stopped by the test file's `afterEach`.
 */
import { startOAuthTestServer, type OAuthTestServer } from '../../oauthserver/index.js';
import type { OAuthTestServerOptions } from '../../oauthserver/index.js';
import { dumpWorld } from './dump.js';
import {
  isAuthenticated,
  loginThrough,
  newEncryptionKey,
  serverEntries,
  startReplicas,
  stopReplicas,
  waitForAll,
  type ClusterSpec,
  type Replica,
} from './cluster.js';

export interface World {
  as: OAuthTestServer;
  spec: ClusterSpec;
  replicas: Replica[];
  names: string[];
}

export interface WorldOptions {
  storeUrl: string;
  servers: number;
  replicaIds?: string[];
  accessTokenTtlS?: number;
  as?: Partial<OAuthTestServerOptions>;
}

/** Holds what a test started, so `afterEach` can stop it all (processes by PID). */
export function worlds() {
  const started: World[] = [];
  return {
    /** AS, replicas; every server logged in once through the first replica, all authenticated. */
    async start(options: WorldOptions): Promise<World> {
      const as = await startOAuthTestServer({
        accessTokenTtlS: options.accessTokenTtlS ?? 3,
        rotateRefreshTokens: true,
        reuseDetection: true,
        ...options.as,
      });
      const spec: ClusterSpec = {
        storeUrl: options.storeUrl,
        encryptionKey: newEncryptionKey(),
        servers: serverEntries(as.mcpUrl, options.servers),
      };
      const world: World = { as, spec, replicas: [], names: spec.servers.map((s) => s.name) };
      started.push(world);
      world.replicas.push(...(await startReplicas(spec, options.replicaIds ?? ['A', 'B', 'C'])));
      return world;
    },
    /** Keeps every world's logs when `$REPLICA_LOG_DIR` is set (see dump.ts). */
    async dumpAll(label: string) {
      for (const [i, world] of started.entries()) await dumpWorld(world, `${label}-${i}`);
    },
    async stopAll() {
      for (const world of started.splice(0)) {
        await stopReplicas(world.replicas);
        await world.as.stop();
      }
    },
  };
}

/** Logs every server in once, through `replicas[0]`, and waits until all replicas are authenticated. */
export async function loginAllOnce(world: World): Promise<void> {
  const [first] = world.replicas;
  // One at a time: each flow listens on its own loopback callback port while it runs.
  for (const name of world.names) await loginThrough(first!, name);
  await waitForAll(world.replicas, isAuthenticated, {
    timeoutMs: 20_000,
    what: 'all authenticated',
  });
}
