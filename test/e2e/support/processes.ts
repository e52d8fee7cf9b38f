/**
 * @module Finding processes by an environment marker (Linux `/proc/<pid>/environ`), to prove that
 * a stopped proxy left none of its stdio upstreams behind.
 */
import { readdir, readFile } from 'node:fs/promises';

/** PIDs of live processes whose environment holds `NAME=value` exactly. */
export async function pidsWithEnv(name: string, value: string): Promise<number[]> {
  const needle = `${name}=${value}`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(needle)) pids.push(Number(entry));
  }
  return pids;
}
