/**
 * @module The OAuth test server as a child process (test/oauthserver/main.ts), for tests that
 * must freeze it (SIGSTOP/SIGCONT) without freezing the test itself. Stopped by its PID.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO } from '../../helpers/proxy-process.js';

export interface AuthServerProcess {
  url: string;
  mcpUrl: string;
  pid: number;
  /** Freezes the process (SIGSTOP): connections are accepted by the kernel, nothing answers. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

/** Starts the test server on an ephemeral loopback port; resolves after its JSON start line. */
export async function spawnAuthServer(args: string[] = []): Promise<AuthServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'test', 'oauthserver', 'main.ts'),
      '--port',
      '0',
      '--quiet',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const line = await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line').then(([l]) => l as string),
    exited.then(([code, signal]) => {
      throw new Error(`the OAuth test server exited (${code ?? signal}) before its start line`);
    }),
  ]).finally(() => clearTimeout(timer));
  const ready = JSON.parse(line) as { url: string; mcp: string };
  const pid = child.pid!;
  return {
    url: ready.url,
    mcpUrl: ready.mcp,
    pid,
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    },
  };
}
