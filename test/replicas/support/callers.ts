/**
 * @module MCP clients calling tools through every replica's `/mcp` for the whole run: proof that
 * each replica keeps serving with the tokens it holds, not only that its REST view says so.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { call, connectMcp, textOf } from '../../faults/support/mcp-client.js';
import type { Replica } from './cluster.js';

export interface CallStats {
  ok: number;
  /** Failed calls, described: `<time> <replica> <tool>: <text>`. */
  failed: string[];
}

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
  const stats: CallStats = { ok: 0, failed: [] };
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
          if (!result.isError && textOf(result) === message) stats.ok += 1;
          else
            stats.failed.push(
              `${new Date(started).toISOString()} ${replica.id} ${tool}: ${textOf(result)}`,
            );
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
    }
  });
  return {
    stats: () => ({ ok: stats.ok, failed: [...stats.failed] }),
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      return { ok: stats.ok, failed: [...stats.failed] };
    },
  };
}
