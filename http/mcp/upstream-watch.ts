/**
 * @module Follows the supervisor and every upstream child it holds: calls `onChange` (debounced)
 * after any of their snapshots changed, so `/mcp` can tell clients their tool list changed.
 */
import type { AnyActorRef, Subscription } from 'xstate';
import { supervisorSnapshot } from '../upstreams.js';

export interface UpstreamWatchOptions {
  /** Quiet time before `onChange` runs after the last change (default 50 ms). */
  debounceMs?: number;
  onChange: () => void;
}

/** Starts watching; returns the function that stops it. */
export function watchUpstreams(supervisor: AnyActorRef, options: UpstreamWatchOptions): () => void {
  const debounceMs = options.debounceMs ?? 50;
  const children = new Map<AnyActorRef, Subscription>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const schedule = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (!stopped) options.onChange();
    }, debounceMs);
  };

  const syncChildren = () => {
    const current = new Set(Object.values(supervisorSnapshot(supervisor).context.children ?? {}));
    for (const [ref, subscription] of children) {
      if (!current.has(ref)) {
        subscription.unsubscribe();
        children.delete(ref);
      }
    }
    for (const ref of current) {
      if (!children.has(ref)) {
        children.set(ref, ref.subscribe({ next: schedule, error: schedule, complete: schedule }));
      }
    }
  };

  const own = supervisor.subscribe({
    next: () => {
      syncChildren();
      schedule();
    },
    error: () => undefined,
    complete: () => undefined,
  });
  syncChildren();

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    own.unsubscribe();
    for (const subscription of children.values()) subscription.unsubscribe();
    children.clear();
  };
}
