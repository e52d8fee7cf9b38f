/**
 * @module Running the CLI on a pseudo-terminal (util-linux `script`), to see what it prints to a
 * TTY: colours, unless NO_COLOR says otherwise. Bounded; the child is killed by its PID.
 */
import { spawn } from 'node:child_process';
import { BIN } from '../../helpers/proxy-process.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `mcpproxy <args>` with a TTY on stdout; `env` is the complete environment. */
export function runCliInTty(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
