/**
 * @module The normalized configuration every component reads (SPEC §2): defaults applied,
 * aliases folded (`type` → `protocol`, `disabled` → `enabled`), both `mcpServers` shapes → a list.
 */

/** How to reach an upstream: Streamable HTTP, SSE, a child process, or HTTP falling back to SSE. */
export type Protocol = 'http' | 'sse' | 'stdio' | 'auto';

/** The `oauth` block of a server entry; `null` fields mean "discover / register dynamically". */
export interface OAuthSettings {
  client_id: string | null;
  client_secret: string | null;
  scopes: string[];
  /** Pins the redirect URI (providers without dynamic registration need the registered one). */
  redirect_uri: string | null;
  /** Extra authorization request parameters (`audience`, `prompt` …). */
  extra_params: Record<string, string>;
}

/** One upstream MCP server. */
export interface ServerEntry {
  /** `^[A-Za-z0-9_.-]{1,64}$`, unique: it prefixes tool names (`<name>__<tool>`). */
  name: string;
  protocol: Protocol;
  /** http(s) URL for `http`, `sse`, `auto`; `null` for `stdio`. */
  url: string | null;
  /** Executable for `stdio`; `null` otherwise. */
  command: string | null;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  /** Extra HTTP headers sent to a remote upstream. */
  headers: Record<string, string>;
  enabled: boolean;
  /** `null`: no configured OAuth (it is still used when the upstream answers 401 with RFC 9728). */
  oauth: OAuthSettings | null;
}

export interface ListenAddress {
  host: string;
  /** 0 asks the OS for a free port. */
  port: number;
}

export interface RefreshSettings {
  /** Fraction of a token's lifetime after which it is refreshed, 0 < t < 1. */
  threshold: number;
  /** Minimum seconds between two refresh attempts of one server, integer 1–300. */
  min_interval_s: number;
}

export interface StoreSettings {
  kind: 'lmdb' | 'postgres';
  /** PostgreSQL connection URL; `null` for LMDB. */
  url: string | null;
}

export interface ProxyConfig {
  listen: ListenAddress;
  /** Required when `listen.host` is not a loopback address. */
  api_key: string | null;
  refresh: RefreshSettings;
  /** Token-endpoint requests per minute shared by servers of one authorization server. */
  as_budget_per_minute: number;
  store: StoreSettings;
  servers: ServerEntry[];
}

/** A parsed configuration and the non-fatal remarks about it (unknown keys, ignored fields). */
export interface ParsedConfig {
  config: ProxyConfig;
  warnings: string[];
}

/** What `loadConfig` returns: `found: false` when the file does not exist (zero servers). */
export interface LoadedConfig extends ParsedConfig {
  found: boolean;
}

/** Values from outside the file that take precedence over it. */
export interface ConfigOverrides {
  /** Environment: `MCPPROXY_STORE_URL`, `MCPPROXY_API_KEY` are read. */
  env?: Record<string, string | undefined>;
  /** `serve --listen HOST:PORT`. */
  listenOverride?: string;
}
