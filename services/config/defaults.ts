/** @module Default values of every top-level setting (SPEC §2, §3, §3a). */
import type { ProxyConfig } from './config.types.js';

export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8080 } as const;
export const DEFAULT_REFRESH_THRESHOLD = 0.8;
export const DEFAULT_MIN_INTERVAL_S = 10;
export const MIN_INTERVAL_RANGE = { min: 1, max: 300 } as const;
export const DEFAULT_AS_BUDGET_PER_MINUTE = 30;
export const AS_BUDGET_RANGE = { min: 1, max: 10_000 } as const;

/** The configuration used when there is no config file: zero servers, everything default. */
export function defaultConfig(): ProxyConfig {
  return {
    listen: { ...DEFAULT_LISTEN },
    api_key: null,
    refresh: { threshold: DEFAULT_REFRESH_THRESHOLD, min_interval_s: DEFAULT_MIN_INTERVAL_S },
    as_budget_per_minute: DEFAULT_AS_BUDGET_PER_MINUTE,
    store: { kind: 'lmdb', url: null },
    servers: [],
  };
}
