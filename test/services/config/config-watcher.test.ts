/**
 * The config watcher on real files: a save in place and a rename over the file are seen once
 * per burst, and a symlinked config is followed to its target, whose edits count too.
 */
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchConfigFile } from '../../../services/config/config-watcher.js';
import { tmpDirs } from '../../helpers/tmp-dir.js';

const dirs = tmpDirs('mcpproxy-config-watch-');
const stops: Array<() => void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await dirs.cleanup();
});

/** Polls `check` every 50 ms, at most 60 times (3 s). */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 60; i++) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function counting(path: string) {
  let calls = 0;
  stops.push(watchConfigFile(path, async () => void (calls += 1), { debounceMs: 200 }));
  return () => calls;
}

describe('watchConfigFile', () => {
  it('sees a save in place and a rename over the file, once per burst', async () => {
    const dir = await dirs.make();
    const path = join(dir, 'mcp_config.json');
    await writeFile(path, '{}');
    const calls = counting(path);

    await writeFile(path, '{"a":1}');
    await writeFile(path, '{"a":2}');
    expect(await eventually(() => calls() === 1)).toBe(true);
    await writeFile(join(dir, 'next.json'), '{"b":1}');
    await rename(join(dir, 'next.json'), path);
    expect(await eventually(() => calls() === 2)).toBe(true);
    // Another file in the directory is not the config.
    await writeFile(join(dir, 'other.json'), '{}');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(calls()).toBe(2);
  });

  it('follows a symlinked config to its target in another directory', async () => {
    const dir = await dirs.make();
    await mkdir(join(dir, 'real'));
    const target = join(dir, 'real', 'cfg.json');
    await writeFile(target, '{}');
    const link = join(dir, 'link.json');
    await symlink(target, link);
    const calls = counting(link);

    await writeFile(target, '{"a":1}');
    expect(await eventually(() => calls() === 1)).toBe(true);
  });
});
