/**
 * @module Child processes of the benches (the echo upstream, mcp-hub): started with a "ready"
 * pattern on their output, always stopped by their own PID (SIGTERM, then SIGKILL), loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface Child {
  pid: number;
  /** The match of the ready pattern. */
  ready: RegExpExecArray;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `command args`; resolves when `ready` matches its stdout+stderr (bounded). */
export async function startChild(options: {
  command: string;
  args: string[];
  ready: RegExp;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}): Promise<Child> {
  const child: ChildProcess = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(
          `${options.command} not ready within ${options.timeoutMs ?? 30_000} ms:\n${out.slice(-2000)}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    const onData = (data: Buffer) => {
      out += data.toString();
      if (out.length > 1_000_000) out = out.slice(-500_000);
      const match = options.ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${options.command} exited with ${code} before it was ready:\n${out.slice(-2000)}`,
        ),
      );
    });
  });
  return { pid: child.pid!, ready, output: () => out, stop };
}

/** A free loopback TCP port (for programs that need a port number up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
