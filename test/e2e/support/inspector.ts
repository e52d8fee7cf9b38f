/**
 * @module The MCP inspector CLI (`@modelcontextprotocol/inspector` 2.x, a real MCP client in its
 * own process) run against the proxy, with its catalog kept in a temp dir and a bounded run.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../../helpers/proxy-process.js';

const INSPECTOR = join(REPO, 'node_modules', '.bin', 'mcp-inspector');

export interface InspectorResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mcp-inspector --cli <proxy>/mcp --transport http ...args`; killed after `timeoutMs`. */
export function runInspector(
  proxyUrl: string,
  args: string[],
  home: string,
  timeoutMs = 30_000,
): Promise<InspectorResult> {
  return new Promise((resolve) => {
    const child = spawn(INSPECTOR, ['--cli', `${proxyUrl}/mcp`, '--transport', 'http', ...args], {
      env: { ...process.env, HOME: home, MCP_CATALOG_PATH: join(home, 'mcp.json'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
