/**
 * @module Keeps what a replica test saw for a post-mortem: with `$REPLICA_LOG_DIR` set, every
 * replica's output and the authorization server's request log are written there.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { World } from './world.js';

/** Writes `<dir>/<label>-<replica>.log` and `<dir>/<label>-as.json` when `$REPLICA_LOG_DIR` is set. */
export async function dumpWorld(world: World, label: string): Promise<void> {
  const dir = process.env.REPLICA_LOG_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  for (const replica of world.replicas) {
    await writeFile(join(dir, `${label}-${replica.id}.log`), replica.proxy.output());
  }
  await writeFile(join(dir, `${label}-as.json`), JSON.stringify(world.as.log(), null, 1));
}
