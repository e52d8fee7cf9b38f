/** @module Temporary directories for tests: made under the OS temp dir, removed after each test. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Creates a fresh empty directory under the OS temp dir. */
export async function makeTmpDir(prefix = 'mcpproxy-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory and everything in it; a missing one is fine. */
export async function removeTmpDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * A set of temp dirs to clean up together, e.g.
 * `const dirs = tmpDirs(); afterEach(() => dirs.cleanup());` then `await dirs.make()`.
 */
export function tmpDirs(prefix?: string): { make(): Promise<string>; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    async make() {
      const dir = await makeTmpDir(prefix);
      made.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(made.splice(0).map((dir) => removeTmpDir(dir)));
    },
  };
}
