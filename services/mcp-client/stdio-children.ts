/**
 * @module The child processes of stdio upstreams that are still running, and their end when the
 * proxy exits. The SDK's stdio transport closes a child gently — its input closed, SIGTERM 2 s
 * later, SIGKILL 2 s after that — on timers that do not keep the process alive. So a `serve`
 * stopping while a child was still starting (it never answered `initialize`), or while one
 * ignores the end of its input, exited first and left the child running, orphaned. At exit
 * (after the actors are stopped and the sessions closed), every tracked child still running
 * gets SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let hooked = false;

/** Tracks `child` until it exits; the first tracked child installs the exit hook. */
export function trackChild(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', endChildren);
  }
}

/** Sends SIGTERM to every tracked child still running (synchronous: it runs at exit). */
export function endChildren(): void {
  for (const child of running) {
    try {
      child.kill('SIGTERM');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}
