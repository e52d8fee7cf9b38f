/**
 * @module Watches the config file while `serve` runs (SPEC §1: the supervisor spawns and stops
 * upstream actors as the config changes). Editors save by writing in place or by renaming a new
 * file over the old one, so the file's directory is watched and its name picked out; bursts of
 * events are debounced into one reload.
 */
import { watch, type FSWatcher } from 'node:fs';
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

  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      // Some platforms give no name: any change in the directory counts then.
      if (file !== null && file.toString() !== name) return;
      clearTimeout(timer);
      timer = setTimeout(run, debounceMs);
      timer.unref();
    });
  } catch (error) {
    options.onUnwatchable?.(error as Error);
    return () => undefined;
  }
  watcher.on('error', (error) => options.onUnwatchable?.(error));
  return () => {
    stopped = true;
    clearTimeout(timer);
    watcher.close();
  };
}
