/**
 * @module Sleep/wake detection (SPEC §3a): timers and the monotonic clock stop while a laptop
 * sleeps, the wall clock does not. When wall time runs ahead of monotonic time by more than the
 * threshold between two ticks, `onJump` fires (the supervisor sends `clock.jumped` to every actor).
 */

export interface ClockPair {
  wall(): number;
  monotonic(): number;
}

export const systemClocks: ClockPair = {
  wall: () => Date.now(),
  monotonic: () => performance.now(),
};

/**
 * Compares the two clocks on every `check()`; returns the drift when it exceeded `thresholdMs`.
 * Pure bookkeeping: tests drive it with an injected clock pair.
 */
export function createJumpDetector(clocks: ClockPair, thresholdMs = 30_000) {
  let lastWall = clocks.wall();
  let lastMono = clocks.monotonic();
  return {
    check(): number | null {
      const wall = clocks.wall();
      const mono = clocks.monotonic();
      const drift = wall - lastWall - (mono - lastMono);
      lastWall = wall;
      lastMono = mono;
      return Math.abs(drift) > thresholdMs ? drift : null;
    },
  };
}

/** Polls the detector every `intervalMs` (unref'd) and calls `onJump`; returns a stop function. */
export function watchClockJumps(
  onJump: (driftMs: number) => void,
  options: { clocks?: ClockPair; intervalMs?: number; thresholdMs?: number } = {},
): () => void {
  const detector = createJumpDetector(options.clocks ?? systemClocks, options.thresholdMs);
  const timer = setInterval(() => {
    const drift = detector.check();
    if (drift !== null) onJump(drift);
  }, options.intervalMs ?? 5_000);
  timer.unref();
  return () => clearInterval(timer);
}
