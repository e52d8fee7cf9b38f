/**
 * @module Replicas of `mcpproxy serve` on one PostgreSQL store, as real child processes: start
 * them with a shared key and their own replica ids, read their REST views and `/readyz`, and log
 * servers in once through one replica.
 */
import { randomBytes } from 'node:crypto';
import type { ServerView } from '../../../machines/upstream/server-view.js';
import { followAuthUrl } from '../../helpers/browser.js';
import { startProxy, waitFor, type ProxyProcess } from '../../helpers/proxy-process.js';

/** One running replica. */
export interface Replica {
  id: string;
  url: string;
  proxy: ProxyProcess;
}

/** `/readyz` as SPEC §3b shapes it. */
export interface Ready {
  status: string;
  store: string;
  replica_id: string;
  store_available: boolean;
}

/** What every replica of one test shares. */
export interface ClusterSpec {
  storeUrl: string;
  /** 64 hex characters, the same on every replica. */
  encryptionKey: string;
  /** The upstream servers (the same list on every replica: keys derive from name and URL). */
  servers: Array<{ name: string; url: string }>;
  logLevel?: string;
}

/** A fresh shared record key. */
export const newEncryptionKey = (): string => randomBytes(32).toString('hex');

/** `count` server entries named `<prefix>1…` on the OAuth test server's MCP URL. */
export function serverEntries(
  mcpUrl: string,
  count: number,
  prefix = 'srv',
): ClusterSpec['servers'] {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i + 1}`, url: mcpUrl }));
}

/** Starts one replica with id `id` (its own data dir, the shared store and key). */
export async function startReplica(spec: ClusterSpec, id: string): Promise<Replica> {
  const proxy = await startProxy({
    config: {
      store: { kind: 'postgres', url: spec.storeUrl },
      refresh: { min_interval_s: 1 },
      // 3 s tokens on five servers ask ~125 refreshes a minute of each replica (each attempt
      // takes a slot, adopted or not): far above the default budget of 30 per minute.
      as_budget_per_minute: 1_000,
      mcpServers: spec.servers.map((s) => ({ ...s, protocol: 'http' })),
    },
    env: { MCPPROXY_ENCRYPTION_KEY: spec.encryptionKey, MCPPROXY_REPLICA_ID: id },
    logLevel: spec.logLevel ?? 'info',
    timeoutMs: 30_000,
  });
  return { id, url: proxy.url, proxy };
}

/** Starts `ids.length` replicas one after another (two cores: a burst of starts only slows all). */
export async function startReplicas(spec: ClusterSpec, ids: string[]): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (const id of ids) replicas.push(await startReplica(spec, id));
  return replicas;
}

/** Stops replicas by PID (SIGTERM, SIGKILL after 10 s); already dead ones are skipped. */
export async function stopReplicas(replicas: Replica[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.proxy.stop().catch(() => undefined)));
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok && res.status !== 503) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** `GET /api/v1/servers` of a replica. */
export const serverViews = (replica: Replica) =>
  getJson<ServerView[]>(`${replica.url}/api/v1/servers`);

/** `GET /readyz` of a replica (its 503 body too). */
export const readyz = (replica: Replica) => getJson<Ready>(`${replica.url}/readyz`);

export const isAuthenticated = (view: ServerView) => view.state.startsWith('authenticated');

/** Waits until `accept` holds for every server view of every replica; answers the last views. */
export async function waitForAll(
  replicas: Replica[],
  accept: (view: ServerView) => boolean,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<ServerView[][]> {
  let last: ServerView[][] = [];
  try {
    return await waitFor(
      async () => {
        last = await Promise.all(replicas.map(serverViews));
        return last.every((views) => views.length > 0 && views.every(accept)) ? last : null;
      },
      { timeoutMs: options.timeoutMs ?? 20_000, intervalMs: 100, what: options.what },
    );
  } catch (error) {
    const states = last.map(
      (views, i) =>
        `${replicas[i]!.id}: ${views.map((v) => `${v.name}=${v.state}/${v.health.level}`).join(' ')}`,
    );
    throw new Error(`${(error as Error).message}\n${states.join('\n')}`);
  }
}

/**
 * A person takes seconds to approve a login; the test browser takes none. Half a second lets the
 * flow's client registration reach the store before the code comes back, as it always does for a
 * person: with no pause the upstream machine can take the registration's commit for the login's
 * and park the replica that ran the flow (a known gap of the machine, see docs/replicas.md).
 */
export const humanPause = () => new Promise((resolve) => setTimeout(resolve, 500));

/** Starts the login of `name` through `replica`'s REST API; answers the authorization URL. */
export async function startLogin(replica: Replica, name: string): Promise<string> {
  const res = await fetch(`${replica.url}/api/v1/servers/${encodeURIComponent(name)}/login`, {
    method: 'POST',
    signal: AbortSignal.timeout(40_000),
  });
  const answer = (await res.json()) as { auth_url?: string };
  if (!answer.auth_url)
    throw new Error(`login of ${name} gave no auth_url: ${JSON.stringify(answer)}`);
  return answer.auth_url;
}

/**
 * Logs `name` in through `replica` (REST, then the test browser visits the authorization URL and
 * the replica's loopback callback). Resolves when the callback has answered.
 */
export async function loginThrough(replica: Replica, name: string): Promise<void> {
  const authUrl = await startLogin(replica, name);
  await humanPause();
  const visit = await followAuthUrl(authUrl);
  if (visit.callbackStatus !== 200) {
    throw new Error(`callback of ${name} answered ${visit.callbackStatus}: ${visit.callbackBody}`);
  }
}

/** `POST /api/v1/servers/:name/logout` on `replica`. */
export async function logoutThrough(replica: Replica, name: string): Promise<void> {
  const res = await fetch(`${replica.url}/api/v1/servers/${encodeURIComponent(name)}/logout`, {
    method: 'POST',
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`logout of ${name}: HTTP ${res.status} ${await res.text()}`);
}
