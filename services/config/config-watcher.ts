/**
 * @module Watches the config file while `serve` runs (SPEC §1: the supervisor spawns and stops
 * upstream actors as the config changes). Editors save by writing in place or by renaming a new
 * file over the old one, so the file's directory is watched and its name picked out; bursts of
 * events are debounced into one reload.
 */
import { realpathSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface ConfigWatchOptions {
  /** Quiet time after the last change before `onChange` runs (default 200 ms). */
  debounceMs?: number;
  /** Told when the directory cannot be watched (the file is then read only at start). */
  onUnwatchable?: (error: Error) => void;
}

/**
 * Calls `onChange` after the file at `path` was written, created, replaced or removed, once per
 * burst of changes, never two at once (a change during a run queues one more). Answers `stop`.
 */
export function watchConfigFile(
  path: string,
  onChange: () => Promise<void>,
  options: ConfigWatchOptions = {},
): () => void {
  const name = basename(path);
  const debounceMs = options.debounceMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = onChange()
      .catch(() => undefined)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          run();
        }
      });
  };

  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
    timer.unref();
  };
  // A symlinked config is watched by its own name (the link repointed) and by its target's.
  const targets = new Map([[dirname(path), new Set([name])]]);
  try {
    const real = realpathSync(path);
    if (real !== path) {
      const names = targets.get(dirname(real)) ?? new Set<string>();
      targets.set(dirname(real), names.add(basename(real)));
    }
  } catch {
    // Not there (yet): only its own name is watched.
  }
  const watchers: FSWatcher[] = [];
  try {
    for (const [dir, names] of targets) {
      const watcher = watch(dir, { persistent: false }, (_event, changedFile) => {
        // Some platforms give no name: any change in the directory counts then.
        if (changedFile === null || names.has(changedFile.toString())) changed();
      });
      watcher.on('error', (error) => options.onUnwatchable?.(error));
      watchers.push(watcher);
    }
  } catch (error) {
    for (const watcher of watchers) watcher.close();
    options.onUnwatchable?.(error as Error);
    return () => undefined;
  }
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
