/**
 * @module mcp-hub (npm, a peer aggregator) for the overhead bench: started on a free loopback
 * port with one upstream, its home and XDG dirs in a temp dir, and its marketplace cache
 * pre-filled so it does not reach for the internet at start. Its client endpoint (4.2.1) is the
 * SSE transport: `GET /mcp` + `POST /messages`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './report.js';
import { freePort, startChild } from './processes.js';

export interface Hub {
  /** The SSE endpoint for MCP clients. */
  sseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts mcp-hub with `servers` (name → Streamable HTTP URL); resolves when all are connected. */
export async function startMcpHub(servers: Record<string, string>): Promise<Hub> {
  const home = await mkdtemp(join(tmpdir(), 'mcp-hub-bench-'));
  const cache = join(home, 'data', 'mcp-hub', 'cache');
  await mkdir(cache, { recursive: true });
  const registry = {
    version: 'offline',
    generatedAt: 0,
    totalServers: 1,
    servers: [{ id: 'offline' }],
  };
  await writeFile(
    join(cache, 'registry.json'),
    JSON.stringify({ registry, lastFetchedAt: Date.now(), serverDocumentation: {} }),
  );
  const config = join(home, 'mcp-hub.json');
  const mcpServers = Object.fromEntries(
    Object.entries(servers).map(([name, url]) => [name, { url }]),
  );
  await writeFile(config, JSON.stringify({ mcpServers }));
  const port = await freePort();
  const child = await startChild({
    command: process.execPath,
    args: [
      join(REPO, 'node_modules', 'mcp-hub', 'dist', 'cli.js'),
      '--port',
      String(port),
      '--config',
      config,
    ],
    ready: /servers started successfully/,
    env: {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: join(home, 'data'),
      XDG_STATE_HOME: join(home, 'state'),
      XDG_CONFIG_HOME: join(home, 'config'),
    },
  });
  const health = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as {
    servers: Array<{ name: string; status: string }>;
  };
  const down = health.servers.filter((s) => s.status !== 'connected').map((s) => s.name);
  if (down.length > 0) {
    await child.stop();
    throw new Error(`mcp-hub did not connect ${down.join(', ')}:\n${child.output().slice(-2000)}`);
  }
  return {
    sseUrl: `http://127.0.0.1:${port}/mcp`,
    pid: child.pid,
    async stop() {
      await child.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
