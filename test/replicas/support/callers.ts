/**
 * @module MCP clients calling tools through every replica's `/mcp` for the whole run: proof that
 * each replica keeps serving with the tokens it holds, not only that its REST view says so.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { call, connectMcp, textOf } from '../../faults/support/mcp-client.js';
import type { Replica } from './cluster.js';

export interface CallStats {
  ok: number;
  /**
   * Calls refused because the upstream rejected an access token that had just run out while its
   * refresh was in flight (the proxy says so and the client may retry): with 3 s tokens
   * refreshed at 80 %, a rotation more than 0.6 s late on a loaded machine causes these.
   */
  expiredInFlight: string[];
  /** Every other failed call, described: `<time> <replica> <tool>: <text>`. */
  failed: string[];
}

/** The proxy's answer when the upstream refused an access token whose refresh is under way. */
const EXPIRED_IN_FLIGHT = /rejected the access token \(HTTP 401\); mcpproxy is refreshing it/;

export interface Callers {
  stats(): CallStats;
  /** Stops calling; answers the totals. */
  stop(): Promise<CallStats>;
}

/**
 * One client per replica calls `<server>__echo` on each server in turn every `intervalMs`.
 * `paused()` true skips calls (e.g. while a test knowingly breaks something).
 */
export async function startCallers(
  replicas: Replica[],
  servers: string[],
  intervalMs = 1_000,
  paused: () => boolean = () => false,
): Promise<Callers> {
  const stats: CallStats = { ok: 0, expiredInFlight: [], failed: [] };
  let running = true;
  const clients: Client[] = await Promise.all(
    replicas.map((r) => connectMcp(r.url, `caller-${r.id}`)),
  );
  const loops = replicas.map(async (replica, i) => {
    let turn = 0;
    while (running) {
      const started = Date.now();
      if (!paused()) {
        const tool = `${servers[turn++ % servers.length]}__echo`;
        const message = `${replica.id}-${turn}`;
        const result = await call(clients[i]!, tool, { message }, 10_000);
        if (!paused()) {
          const text = textOf(result);
          const described = `${new Date(started).toISOString()} ${replica.id} ${tool}: ${text}`;
          if (!result.isError && text === message) stats.ok += 1;
          else if (EXPIRED_IN_FLIGHT.test(text)) stats.expiredInFlight.push(described);
          else stats.failed.push(described);
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
    }
  });
  return {
    stats: () => ({
      ...stats,
      expiredInFlight: [...stats.expiredInFlight],
      failed: [...stats.failed],
    }),
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      return { ...stats, expiredInFlight: [...stats.expiredInFlight], failed: [...stats.failed] };
    },
  };
}

/** At most 5 % of the calls may meet a token that ran out while its refresh was in flight. */
export function expiredInFlightAllowance(stats: CallStats): number {
  return Math.ceil(0.05 * (stats.ok + stats.expiredInFlight.length + stats.failed.length));
}
