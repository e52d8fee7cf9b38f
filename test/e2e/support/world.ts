/**
 * @module What one e2e test starts — OAuth test servers (in this process, on ephemeral loopback
 * ports), `mcpproxy serve` child processes, temp dirs — kept together so `cleanup()` stops every
 * process by its PID and removes every dir, whatever the test did.
 */
import { startOAuthTestServer } from '../../oauthserver/index.js';
import type { OAuthTestServer, OAuthTestServerOptions } from '../../oauthserver/index.js';
import { startProxy, type ProxyProcess } from '../../helpers/proxy-process.js';
import { makeTmpDir, removeTmpDir } from '../../helpers/tmp-dir.js';

export interface E2eWorld {
  /** Starts an OAuth test server (stopped at cleanup). */
  authServer(options?: OAuthTestServerOptions): Promise<OAuthTestServer>;
  /** Starts `mcpproxy serve` (stopped at cleanup if still running). */
  proxy(options: Parameters<typeof startProxy>[0]): Promise<ProxyProcess>;
  /** A fresh temp dir (removed at cleanup). */
  dir(): Promise<string>;
  /** Registers another cleanup step (run in reverse order). */
  defer(step: () => unknown): void;
  cleanup(): Promise<void>;
}

export function e2eWorld(): E2eWorld {
  const steps: Array<() => unknown> = [];
  const defer = (step: () => unknown) => void steps.push(step);
  return {
    async authServer(options = {}) {
      const as = await startOAuthTestServer(options);
      defer(() => as.stop());
      return as;
    },
    async proxy(options) {
      // A loaded two-core machine may take well over the helper's 20 s to start serve.
      const proxy = await startProxy({ timeoutMs: 60_000, ...options });
      // SIGTERM first, so serve also stops its stdio upstreams (SIGKILL after 10 s).
      defer(() => proxy.stop('SIGTERM'));
      return proxy;
    },
    async dir() {
      const dir = await makeTmpDir('mcpproxy-e2e-');
      defer(() => removeTmpDir(dir));
      return dir;
    },
    defer,
    async cleanup() {
      while (steps.length > 0) {
        try {
          await steps.pop()!();
        } catch {
          // Best effort: one failed step must not keep the others from running.
        }
      }
    },
  };
}

/**
 * A world cleaned up when the calling test finishes — for `describe.concurrent`, where a shared
 * `afterEach` would stop the other tests' processes. Pass the test context's `onTestFinished`.
 */
export function testWorld(onTestFinished: (cleanup: () => Promise<void>) => void): E2eWorld {
  const world = e2eWorld();
  onTestFinished(() => world.cleanup());
  return world;
}

/** A config with one OAuth upstream per `[name, server]` and few-second refresh spacing. */
export function oauthConfig(
  servers: Array<[string, OAuthTestServer]>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    refresh: { min_interval_s: 1 },
    mcpServers: servers.map(([name, as]) => ({ name, url: as.mcpUrl })),
    ...extra,
  };
}
