/**
 * @module Discovery results reused across refreshes of one server for a while, so a refresh is
 * one token request rather than four; dropped on any failure so the next attempt rediscovers.
 */
import { discover } from './discovery.js';
import type { Discovery } from './discovery.js';
import { checkSameAuthorizationServer } from './metadata-check.js';
import type { OAuthHttp } from './oauth-http.js';

const DEFAULT_TTL_MS = 15 * 60_000;

/** A per-server cache of discovery results. */
export function createDiscoveryCache(ttlMs = DEFAULT_TTL_MS, now: () => number = Date.now) {
  const entries = new Map<string, { discovery: Discovery; at: number }>();
  return {
    async get(key: string, load: () => Promise<Discovery>): Promise<Discovery> {
      const hit = entries.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.discovery;
      const discovery = await load();
      entries.set(key, { discovery, at: now() });
      return discovery;
    },
    drop(key: string): void {
      entries.delete(key);
    },
    /**
     * Discovery for a refresh: no challenge; the stored issuer is the fallback AS, and the only
     * AS the refresh token may go to.
     */
    async discover(serverName: string, serverUrl: string, http: OAuthHttp, issuer: string | null) {
      const discovery = await discover({ serverName, serverUrl, http, issuerHint: issuer });
      checkSameAuthorizationServer(serverName, issuer, discovery.authorizationServerUrl);
      return discovery;
    },
  };
}
