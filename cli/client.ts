/**
 * @module How client commands find and talk to a running daemon: `--url`, `$MCPPROXY_URL`, or
 * the config's `listen`; the API key from `$MCPPROXY_API_KEY` or the config.
 */
import { homedir } from 'node:os';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  ProxyError,
  UnauthorizedError,
  UsageError,
} from '../services/errors.js';
import {
  formatListen,
  loadConfig,
  resolvePaths,
  type ProxyConfig,
} from '../services/config/index.js';

export interface DaemonTarget {
  url: string;
  apiKey: string | null;
  /** Where the key came from, to say which one to fix when the daemon rejects it. */
  apiKeySource?: 'MCPPROXY_API_KEY' | 'api_key';
}

export interface ClientContext {
  target: DaemonTarget;
  config: ProxyConfig;
  configPath: string;
  dataDir: string;
}

/** Resolves paths, config and the daemon address for a client command. */
export async function clientContext(
  flags: { url?: string; config?: string; dataDir?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClientContext> {
  const { dataDir, configPath } = resolvePaths({
    flags: { config: flags.config, dataDir: flags.dataDir },
    env,
    homedir: homedir(),
  });
  const { config } = await loadConfig(configPath, { env });
  const source = flags.url !== undefined ? '--url' : env.MCPPROXY_URL ? '$MCPPROXY_URL' : null;
  const raw = flags.url ?? (env.MCPPROXY_URL || `http://${formatListen(config.listen)}`);
  const url = source ? daemonUrl(source, raw) : new URL(raw);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  const apiKeySource = env.MCPPROXY_API_KEY
    ? ('MCPPROXY_API_KEY' as const)
    : config.api_key
      ? ('api_key' as const)
      : undefined;
  const apiKey = env.MCPPROXY_API_KEY || config.api_key || null;
  return { target: { url: url.origin, apiKey, apiKeySource }, config, configPath, dataDir };
}

/**
 * Parses the daemon address given by `--url` or `$MCPPROXY_URL`: http(s)://host[:port], or
 * host:port. Another scheme, or a colon with no port after it, is a usage error.
 */
export function daemonUrl(source: string, raw: string): URL {
  const form = `${source} must be http(s)://host:port, e.g. http://127.0.0.1:8080 (got "${raw}")`;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
  let url: URL;
  try {
    url = new URL(scheme ? raw : `http://${raw}`);
  } catch {
    throw new UsageError(`${form}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${form}: the daemon speaks HTTP only.`);
  // `http://h:` parses as port 80 (or 443): an empty port is a mistake, not a default.
  const authority = raw.slice(scheme.length).split(/[/?#]/)[0]!;
  if (authority.endsWith(':')) throw new UsageError(`${form}: the port is missing after ":".`);
  return url;
}

/** Whether a daemon answers at `target` (GET /healthz within `timeoutMs`). */
export async function daemonAnswers(target: DaemonTarget, timeoutMs = 1500): Promise<boolean> {
  try {
    const res = await fetch(`${target.url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The daemon answers 401 alike for a missing and a wrong key; which one it was is known here
 * from whether a key was sent.
 */
function apiKeyError(target: DaemonTarget): UnauthorizedError {
  if (!target.apiKey)
    return new UnauthorizedError(
      `mcpproxy at ${target.url} requires an API key: set MCPPROXY_API_KEY, or api_key in the config.`,
    );
  const from = target.apiKeySource === 'api_key' ? "the config's api_key" : '$MCPPROXY_API_KEY';
  return new UnauthorizedError(
    `mcpproxy at ${target.url} rejected the API key from ${from}: set MCPPROXY_API_KEY, or api_key in the config, to the daemon's key.`,
  );
}

function errorFor(target: DaemonTarget, status: number, message: string): ProxyError {
  if (status === 400) return new BadRequestError(message);
  if (status === 401) return apiKeyError(target);
  if (status === 404) return new NotFoundError(message);
  if (status === 409) return new ConflictError(message);
  return new ProxyError('daemon_error', message);
}

/**
 * How long a REST call may take: answers are read from the actors at once, so a daemon that
 * takes longer is hung. Starting a login waits for the authorization URL (discovery and
 * registration), which may take longer.
 */
export const API_TIMEOUT_MS = 15_000;
export const LOGIN_START_TIMEOUT_MS = 60_000;

/** Calls the daemon's REST API; error answers become ProxyErrors with the daemon's message. */
export async function api<T>(
  target: DaemonTarget,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = API_TIMEOUT_MS,
): Promise<T> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers: {
        ...(target.apiKey ? { 'X-API-Key': target.apiKey } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      throw new ProxyError(
        'daemon_unreachable',
        `mcpproxy at ${target.url} did not answer ${method} ${path} within ${timeoutMs / 1000} s: ` +
          'it may be hung. Check its log, or restart it.',
      );
    }
    throw new ProxyError(
      'daemon_unreachable',
      `Cannot reach mcpproxy at ${target.url} (${(error as Error).message}). Is "mcpproxy serve" running? Use --url or MCPPROXY_URL to point elsewhere.`,
    );
  }
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ProxyError(
      'daemon_error',
      `mcpproxy at ${target.url} answered HTTP ${res.status} with a non-JSON body.`,
    );
  }
  if (!res.ok) {
    const message =
      (json as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`;
    throw errorFor(target, res.status, message);
  }
  return json as T;
}

/**
 * GETs one server's view; an unknown name becomes a NotFoundError that lists the daemon's
 * servers, as the standalone commands list the config's.
 */
export async function serverViewOf<T extends { name: string }>(
  target: DaemonTarget,
  name: string,
): Promise<T> {
  try {
    return await api<T>(target, 'GET', `/api/v1/servers/${encodeURIComponent(name)}`);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const views = await api<T[]>(target, 'GET', '/api/v1/servers');
    throw unknownServer(
      name,
      `the daemon at ${target.url}`,
      views.map((v) => v.name),
    );
  }
}

/** `No server named "x" in <where>. Known: a, b.` (names sorted). */
export function unknownServer(name: string, where: string, known: string[]): NotFoundError {
  const names = [...known].sort().join(', ') || 'none';
  return new NotFoundError(`No server named "${name}" in ${where}. Known: ${names}.`);
}
