/**
 * @module The OAuth test server as a real child process, driven over its admin API: start on a
 * port (0 = pick one), `kill -9` it, and start it again on the same port with the same state file
 * so it remembers the clients and tokens it issued (an authorization server that was down).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { FailConfig, RequestLogEntry } from '../../oauthserver/index.js';
import { REPO } from '../../helpers/proxy-process.js';

const MAIN = join(REPO, 'test', 'oauthserver', 'main.ts');

export interface AsProcess {
  url: string;
  mcpUrl: string;
  port: number;
  pid(): number;
  setFail(config: FailConfig): Promise<void>;
  /** Every answered request of every run so far (the process prints them on stderr). */
  log(): RequestLogEntry[];
  /** SIGKILL: the server is gone at once, its port refuses connections. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same arguments and state file. */
  restart(): Promise<void>;
  /** Stops it (idempotent). */
  stop(): Promise<void>;
}

interface Started {
  child: ChildProcess;
  entries: RequestLogEntry[];
  port: number;
  url: string;
  mcp: string;
}

async function launch(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const entries: RequestLogEntry[] = [];
  child.stderr!.on('data', (d) => (stderr += d));
  createInterface({ input: child.stderr! }).on('line', (text) => {
    if (text.startsWith('{')) entries.push(JSON.parse(text) as RequestLogEntry);
  });
  const lines = createInterface({ input: child.stdout! });
  const first = once(lines, 'line') as Promise<[string]>;
  const exited = once(child, 'exit').then(() => {
    throw new Error(`oauth test server exited before starting: ${stderr}`);
  });
  const [line] = await Promise.race([first, exited]);
  const ready = JSON.parse(line) as { url: string; mcp: string; port: number };
  return { child, entries, ...ready };
}

async function killChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** Starts `test/oauthserver/main.ts` with `args` and `--state-file stateFile`. */
export async function startAsProcess(options: {
  args?: string[];
  stateFile: string;
  port?: number;
}): Promise<AsProcess> {
  const base = [...(options.args ?? []), '--state-file', options.stateFile];
  let current = await launch(['--port', String(options.port ?? 0), ...base]);
  const earlier: RequestLogEntry[] = [];
  const { port, url, mcp } = current;
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/__admin${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`admin ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    url,
    mcpUrl: mcp,
    port,
    pid: () => current.child.pid!,
    setFail: async (config) => void (await admin('POST', '/fail', config)),
    log: () => [...earlier, ...current.entries],
    kill: () => killChild(current.child, 'SIGKILL'),
    restart: async () => {
      await killChild(current.child, 'SIGKILL');
      earlier.push(...current.entries);
      current = await launch(['--port', String(port), ...base]);
    },
    stop: () => killChild(current.child, 'SIGTERM'),
  };
}
