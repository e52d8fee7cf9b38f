/** @module Deterministic, earlier-only refresh jitter per server (SPEC §3a), seeded for tests. */

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
