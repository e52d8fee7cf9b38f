/**
 * @module Deterministic, earlier-only refresh jitter per server (SPEC §3a), seeded for tests, for
 * servers whose tokens come from an authorization server that other configured servers use too.
 */
import type { TokenRecord } from '../upstream/token-record.js';

/** A fraction in [0, maxJitter) derived from the server name and a seed (FNV-1a). */
export function jitterFor(name: string, seed: number, maxJitter: number): number {
  if (maxJitter <= 0) return 0;
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash / 2 ** 32) * Math.min(maxJitter, 0.05);
}

/** The issuer a server's refreshes go to: its record's, while the record holds tokens. */
export function issuerOf(record: TokenRecord | null | undefined): string | null {
  return record?.tokens && record.issuer ? record.issuer : null;
}

/** How many servers' tokens come from each issuer (servers without one are not counted). */
export function issuerCounts(issuers: Record<string, string | null>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const issuer of Object.values(issuers)) {
    if (issuer) counts.set(issuer, (counts.get(issuer) ?? 0) + 1);
  }
  return counts;
}

/**
 * The jitter of server `name`: its seeded fraction when at least one other server's tokens come
 * from the same issuer (`counts` from `issuerCounts(issuers)`), else 0 (a lone server refreshes
 * exactly at the threshold, SPEC §3).
 */
export function sharedIssuerJitter(
  issuers: Record<string, string | null>,
  counts: ReadonlyMap<string, number>,
  name: string,
  seed: number,
  maxJitter: number,
): number {
  const issuer = issuers[name];
  if (!issuer) return 0;
  return (counts.get(issuer) ?? 0) >= 2 ? jitterFor(name, seed, maxJitter) : 0;
}
