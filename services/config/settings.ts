/**
 * @module The top-level settings besides servers: `listen`, `api_key`, `refresh`,
 * `as_budget_per_minute`, with `--listen` and `$MCPPROXY_API_KEY` taking precedence.
 */
import type { ListenAddress, RefreshSettings } from './config.types.js';
import {
  AS_BUDGET_RANGE,
  DEFAULT_AS_BUDGET_PER_MINUTE,
  DEFAULT_LISTEN,
  DEFAULT_MIN_INTERVAL_S,
  DEFAULT_REFRESH_THRESHOLD,
  MIN_INTERVAL_RANGE,
} from './defaults.js';
import { own, readString, warnUnknownKeys } from './fields.js';
import type { Fields } from './fields.js';
import { DEFAULT_LISTEN_HOST, formatListen, isLoopbackHost, parseListen } from './listen.js';
import { got, isObject } from './problems.js';

/** `listen`: `"host:port"` or `{ "host", "port" }`; `--listen` wins over the file. */
export function readListen(f: Fields, override: string | undefined): ListenAddress {
  if (override !== undefined) {
    const parsed = parseListen(override);
    if ('error' in parsed) f.p.errorFrom('--listen', `${parsed.error} ${got(override)}`);
    return 'error' in parsed ? { ...DEFAULT_LISTEN } : parsed;
  }
  const value = own(f.obj, 'listen');
  if (value === undefined || value === null) return { ...DEFAULT_LISTEN };
  if (isObject(value)) return readListenObject(f, value);
  if (typeof value !== 'string') {
    f.p.error(
      '',
      `"listen" must be "host:port", e.g. "127.0.0.1:8080", or {"host": "127.0.0.1", "port": 8080} ${got(value)}`,
    );
    return { ...DEFAULT_LISTEN };
  }
  const parsed = parseListen(value);
  if ('error' in parsed) f.p.error('', `"listen" ${parsed.error} ${got(value)}`);
  return 'error' in parsed ? { ...DEFAULT_LISTEN } : parsed;
}

/** `listen` as `{ "host", "port" }`: each field is checked and named on its own. */
function readListenObject(f: Fields, obj: Record<string, unknown>): ListenAddress {
  warnUnknownKeys({ ...f, obj, prefix: 'listen.' }, ['host', 'port']);
  const hostValue = own(obj, 'host');
  const portValue = own(obj, 'port');
  let ok = true;
  let host = DEFAULT_LISTEN_HOST;
  if (typeof hostValue === 'string' && hostValue.trim() !== '') {
    host = hostValue.trim().replace(/^\[(.*)\]$/, '$1');
  } else if (hostValue !== undefined && hostValue !== null) {
    f.p.error(
      '',
      `"listen.host" must be a host name or IP address, e.g. "127.0.0.1" ${got(hostValue)}`,
    );
    ok = false;
  }
  if (portValue === undefined || portValue === null) {
    f.p.error('', '"listen.port" is required: a whole number from 0 to 65535, e.g. 8080');
    ok = false;
  } else if (
    typeof portValue !== 'number' ||
    !Number.isInteger(portValue) ||
    portValue < 0 ||
    portValue > 65535
  ) {
    f.p.error('', `"listen.port" must be a whole number from 0 to 65535 ${got(portValue)}`);
    ok = false;
  }
  if (!ok) return { ...DEFAULT_LISTEN };
  const parsed = parseListen(formatListen({ host, port: portValue as number }));
  if ('error' in parsed) {
    f.p.error(
      '',
      `"listen.host" must be a host name or IP address, e.g. "127.0.0.1" ${got(hostValue)}`,
    );
    return { ...DEFAULT_LISTEN };
  }
  return parsed;
}

/** `api_key` (empty = unset); `$MCPPROXY_API_KEY` wins. Required off loopback. */
export function readApiKey(
  f: Fields,
  env: Record<string, string | undefined>,
  listen: ListenAddress,
  listenSource: string,
): string | null {
  const fromEnv = env.MCPPROXY_API_KEY?.trim() ? env.MCPPROXY_API_KEY : null;
  const fromFile = readString(f, 'api_key', { secret: true });
  const apiKey = fromEnv ?? (fromFile?.trim() ? fromFile : null);
  if (apiKey === null && !isLoopbackHost(listen.host)) {
    f.p.error(
      '',
      `"api_key" is required when listening on a non-loopback address (${listenSource} is ` +
        `${JSON.stringify(formatListen(listen))}): set "api_key" or $MCPPROXY_API_KEY, ` +
        'or listen on 127.0.0.1',
    );
  }
  return apiKey;
}

/** `refresh`: `threshold` (0 < t < 1) and `min_interval_s` (integer 1–300). */
export function readRefresh(f: Fields): RefreshSettings {
  const refresh = { threshold: DEFAULT_REFRESH_THRESHOLD, min_interval_s: DEFAULT_MIN_INTERVAL_S };
  const value = own(f.obj, 'refresh');
  if (value === undefined || value === null) return refresh;
  if (!isObject(value)) {
    f.p.error(
      '',
      `"refresh" must be an object like {"threshold": 0.8, "min_interval_s": 10} ${got(value)}`,
    );
    return refresh;
  }
  warnUnknownKeys({ ...f, obj: value, prefix: 'refresh.' }, ['threshold', 'min_interval_s']);
  const threshold = own(value, 'threshold');
  if (threshold !== undefined && threshold !== null) {
    if (typeof threshold === 'number' && threshold > 0 && threshold < 1)
      refresh.threshold = threshold;
    else {
      f.p.error(
        '',
        `"refresh.threshold" must be a number between 0 and 1 (exclusive), the fraction of a ` +
          `token's lifetime after which it is refreshed ${got(threshold)}`,
      );
    }
  }
  const interval = readInteger(f, value, 'refresh.min_interval_s', MIN_INTERVAL_RANGE);
  if (interval !== null) refresh.min_interval_s = interval;
  return refresh;
}

/** `as_budget_per_minute`: token-endpoint requests per minute per authorization server. */
export function readBudget(f: Fields): number {
  return (
    readInteger(f, f.obj, 'as_budget_per_minute', AS_BUDGET_RANGE) ?? DEFAULT_AS_BUDGET_PER_MINUTE
  );
}

function readInteger(
  f: Fields,
  obj: Record<string, unknown>,
  field: string,
  range: { min: number; max: number },
): number | null {
  const value = own(obj, field.slice(field.lastIndexOf('.') + 1));
  if (value === undefined || value === null) return null;
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= range.min &&
    value <= range.max
  ) {
    return value;
  }
  f.p.error(
    '',
    `"${field}" must be a whole number from ${range.min} to ${range.max} ${got(value)}`,
  );
  return null;
}
