/**
 * @module What every route of the test server shares: resolved options, its URLs, the auth state,
 * the fail switch, the request log, and a signal that fires when the server stops.
 */
import type { FailSwitch } from './fail.js';
import type { RequestLog } from './log.js';
import type { ResolvedOptions } from './options.js';
import type { AuthStore } from './state.js';

/** The server's public URLs, all derived from its base URL (which is also the issuer). */
export interface ServerUrls {
  url: string;
  issuer: string;
  mcpUrl: string;
  resourceMetadataUrl: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint: string;
  jwksUri: string;
}

export interface ServerContext {
  options: ResolvedOptions;
  urls: ServerUrls;
  store: AuthStore;
  fail: FailSwitch;
  log: RequestLog;
  /** Aborted by stop(): hanging and slow requests end with it. */
  stopSignal: AbortSignal;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** URLs for a server listening on host:port. */
export function serverUrls(host: string, port: number): ServerUrls {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    issuer: url,
    mcpUrl: `${url}/mcp`,
    resourceMetadataUrl: `${url}/.well-known/oauth-protected-resource/mcp`,
    authorizationEndpoint: `${url}/authorize`,
    tokenEndpoint: `${url}/token`,
    registrationEndpoint: `${url}/register`,
    jwksUri: `${url}/jwks`,
  };
}

/** Resolves after `ms`, or early when `signal` aborts; answers whether the full time passed. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = (completed: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
