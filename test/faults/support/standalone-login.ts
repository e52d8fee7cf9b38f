/**
 * @module `mcpproxy auth login` run standalone (no daemon answers at the config's listen address)
 * as a real child process: it prints the authorization URL, the test browser follows it, and the
 * command stores the token in the data dir's LMDB itself.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { followAuthUrl } from '../../helpers/browser.js';
import { BIN, childEnv } from '../../helpers/proxy-process.js';

export interface StandaloneLoginResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** When the command exited (ms since the epoch). */
  exitedAt: number;
}

/** Runs `auth login --server name [--force]` on `dataDir` and completes the browser step. */
export async function standaloneLogin(options: {
  name: string;
  dataDir: string;
  configPath: string;
  force?: boolean;
  env?: Record<string, string>;
}): Promise<StandaloneLoginResult> {
  const args = ['auth', 'login', '--server', options.name, '--data-dir', options.dataDir];
  args.push('--config', options.configPath, '--no-browser', '--timeout', '60s');
  if (options.force) args.push('--force');
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = once(child, 'exit');
  const url = await new Promise<string | null>((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const match = /^\s+(http:\/\/\S+\/authorize\?\S+)$/m.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => resolve(null));
  });
  if (url) await followAuthUrl(url);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr, exitedAt: Date.now() };
}
