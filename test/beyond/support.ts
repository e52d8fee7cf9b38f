/**
 * @module Helpers of the "beyond the peers" tests: a laptop that sleeps under the SimulatedClock
 * (wall time moves, timers do not), its clock pair for the jump detector, and a recorder of every
 * snapshot an upstream actor takes with the simulated time and health.
 */
import type { AnyActorRef } from 'xstate';
import { healthOf, statePath, type Health } from '../../machines/upstream/health.js';
import type { ClockPair } from '../../services/runtime/clock-jump.js';
import type { Harness } from '../helpers/machine-harness.js';

interface ClockInternals {
  _now: number;
  timeouts: Map<number, { start: number; timeout: number }>;
}

/**
 * A laptop around a harness: `sleep(ms)` moves the wall clock by `ms` while every pending timer
 * moves along with it (Node's timers run on the monotonic clock, which stops during suspend), so
 * nothing fires by itself on wake. `clocks` is the pair the sleep/wake detector compares.
 */
export function laptop(h: Harness) {
  let slept = 0;
  const internals = h.clock as unknown as ClockInternals;
  const clocks: ClockPair = {
    wall: () => h.world.now(),
    monotonic: () => h.clock.now() - slept,
  };
  return {
    clocks,
    sleep(ms: number) {
      slept += ms;
      internals._now += ms;
      for (const timeout of internals.timeouts.values()) timeout.start += ms;
    },
  };
}

export interface SnapshotRecord {
  at: number;
  state: string;
  health: Health;
}

/** Records every snapshot of `actor` with the simulated wall time and its health. */
export function recordSnapshots(actor: AnyActorRef, now: () => number): SnapshotRecord[] {
  const seen: SnapshotRecord[] = [];
  actor.subscribe((snapshot) => {
    seen.push({ at: now(), state: statePath(snapshot.value), health: healthOf(snapshot, now()) });
  });
  return seen;
}
