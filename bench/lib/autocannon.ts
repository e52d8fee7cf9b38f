/**
 * @module A typed door to autocannon's programmatic API (the package ships no types): one
 * fixed-duration run against one URL, answering the latency histogram and request counts.
 */
import { createRequire } from 'node:module';

/** The parts of autocannon's result the benches read (latencies in milliseconds). */
export interface CannonResult {
  latency: { p50: number; p90: number; p97_5: number; p99: number; max: number; mean: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  throughput: { average: number };
}

type Autocannon = (options: Record<string, unknown>) => Promise<CannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Runs autocannon with `connections` for `seconds` against `url`. */
export function cannon(url: string, connections: number, seconds: number): Promise<CannonResult> {
  return autocannon({ url, connections, duration: seconds, pipelining: 1 });
}
