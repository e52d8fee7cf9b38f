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
  const raw = flags.url ?? env.MCPPROXY_URL ?? `http://${formatListen(config.listen)}`;
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new UsageError(`--url must be a URL like http://127.0.0.1:8080 (got "${raw}").`);
  }
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  const apiKey = env.MCPPROXY_API_KEY || config.api_key || null;
  return { target: { url: url.origin, apiKey }, config, configPath, dataDir };
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

function errorFor(status: number, message: string): ProxyError {
  if (status === 400) return new BadRequestError(message);
  if (status === 401)
    return new UnauthorizedError(`${message} Set MCPPROXY_API_KEY or api_key in the config.`);
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
    throw errorFor(res.status, message);
  }
  return json as T;
}
