/**
 * @module A stdio upstream's child process never outlives `serve`: not one still starting (it
 * never answers `initialize`) and not one that ignores the end of its input — the SDK's gentle
 * close runs on timers that do not keep the process alive, so serve used to exit first.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy, waitFor, type ProxyProcess } from '../helpers/proxy-process.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** A "server" that writes its pid, then ignores its input and stays alive. */
const STUCK =
  "require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('stdio upstream children at shutdown (real processes)', () => {
  let proxy: ProxyProcess | undefined;
  const children: number[] = [];
  afterEach(async () => {
    await proxy?.stop('SIGKILL');
    proxy = undefined;
    for (const pid of children.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'ends a child still connecting when serve stops on %s',
    async (signal) => {
      const dir = await makeTmpDir('mcpproxy-stdio-');
      const pidFile = join(dir, 'child.pid');
      proxy = await startProxy({
        dataDir: dir,
        logLevel: 'info',
        config: {
          mcpServers: { stuck: { command: process.execPath, args: ['-e', STUCK, pidFile] } },
        },
      });
      const pid = await waitFor(async () => Number(await readFile(pidFile, 'utf8')) || null, {
        what: 'the stdio child to start',
      });
      children.push(pid);
      expect(alive(pid)).toBe(true);

      expect(await proxy.stop(signal)).toBe(0);
      proxy = undefined;
      for (let i = 0; i < 30 && alive(pid); i++) await sleep(100);
      expect(alive(pid), `the child ${pid} outlived serve`).toBe(false);
    },
  );
});
