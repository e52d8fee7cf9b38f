/**
 * @module Discovery results reused across refreshes of one server for a while, so a refresh is
 * one token request rather than four; dropped on any failure so the next attempt rediscovers.
 * Servers of one authorization server also share its metadata for a minute: the refreshes of a
 * start (every server with an expired access token) fetch it once, not once per server.
 */
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { discover } from './discovery.js';
import type { Discovery, SharedMetadata } from './discovery.js';
import { checkSameAuthorizationServer } from './metadata-check.js';
import type { OAuthHttp } from './oauth-http.js';

const DEFAULT_TTL_MS = 15 * 60_000;
/** How long one fetch of an authorization server's metadata serves other servers' discovery. */
const SHARED_METADATA_TTL_MS = 60_000;

interface SharedEntry {
  at: number;
  metadata: Promise<AuthorizationServerMetadata | undefined>;
}

/** A per-server cache of discovery results. */
export function createDiscoveryCache(ttlMs = DEFAULT_TTL_MS, now: () => number = Date.now) {
  const entries = new Map<string, { discovery: Discovery; at: number }>();
  const metadataByIssuer = new Map<string, SharedEntry>();

  /** A recent (or in-flight) successful fetch, else this flow's own, shared from then on. */
  const sharedMetadata: SharedMetadata = async (authorizationServerUrl, fetchOwn) => {
    const hit = metadataByIssuer.get(authorizationServerUrl);
    if (hit && now() - hit.at < SHARED_METADATA_TTL_MS) {
      // A failed fetch is not shared: its error belongs to the flow that made it.
      const shared = await hit.metadata.catch(() => undefined);
      if (shared) return shared;
    }
    const entry: SharedEntry = { at: now(), metadata: fetchOwn() };
    metadataByIssuer.set(authorizationServerUrl, entry);
    const forget = () => {
      if (metadataByIssuer.get(authorizationServerUrl) === entry) {
        metadataByIssuer.delete(authorizationServerUrl);
      }
    };
    entry.metadata.then((metadata) => {
      if (!metadata) forget();
    }, forget);
    return entry.metadata;
  };

  return {
    async get(key: string, load: () => Promise<Discovery>): Promise<Discovery> {
      const hit = entries.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.discovery;
      const discovery = await load();
      entries.set(key, { discovery, at: now() });
      return discovery;
    },
    /** After a failure: this server, and any authorization server's metadata, is rediscovered. */
    drop(key: string): void {
      entries.delete(key);
      metadataByIssuer.clear();
    },
    /**
     * Discovery for a refresh: no challenge; the stored issuer is the fallback AS, and the only
     * AS the refresh token may go to.
     */
    async discover(serverName: string, serverUrl: string, http: OAuthHttp, issuer: string | null) {
      const discovery = await discover({
        serverName,
        serverUrl,
        http,
        issuerHint: issuer,
        sharedMetadata,
      });
      checkSameAuthorizationServer(serverName, issuer, discovery.authorizationServerUrl);
      return discovery;
    },
  };
}
