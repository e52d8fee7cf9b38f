/** @module Configuration: file location, loading, validation and the normalized types. */
export type {
  ConfigOverrides,
  ListenAddress,
  LoadedConfig,
  OAuthSettings,
  ParsedConfig,
  Protocol,
  ProxyConfig,
  RefreshSettings,
  ServerEntry,
  StoreSettings,
} from './config.types.js';
export {
  AS_BUDGET_RANGE,
  DEFAULT_AS_BUDGET_PER_MINUTE,
  DEFAULT_LISTEN,
  DEFAULT_MIN_INTERVAL_S,
  DEFAULT_REFRESH_THRESHOLD,
  MIN_INTERVAL_RANGE,
  defaultConfig,
} from './defaults.js';
export { DEFAULT_LISTEN_HOST, formatListen, isLoopbackHost, parseListen } from './listen.js';
export { loadConfig } from './load-config.js';
export { buildConfig, parseConfig } from './parse-config.js';
export { CONFIG_FILE_NAME, resolvePaths } from './paths.js';
export type { ConfigPaths, PathInputs } from './paths.js';
export { SERVER_NAME_RE } from './server-entry.js';
export { serverTarget } from './server-target.js';
