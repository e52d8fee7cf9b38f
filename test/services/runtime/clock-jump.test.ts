import { describe, expect, it } from 'vitest';
import { createJumpDetector } from '../../../services/runtime/clock-jump.js';

describe('sleep/wake detection', () => {
  it('reports a wall-clock jump ahead of the monotonic clock (the laptop slept)', () => {
    let wall = 1_000_000;
    let mono = 500;
    const detector = createJumpDetector({ wall: () => wall, monotonic: () => mono }, 30_000);
    wall += 5_000;
    mono += 5_000;
    expect(detector.check()).toBeNull();
    // Slept 3 hours: the wall clock moved, the monotonic clock and timers did not.
    wall += 3 * 3600_000 + 5_000;
    mono += 5_000;
    expect(detector.check()).toBe(3 * 3600_000);
    wall += 5_000;
    mono += 5_000;
    expect(detector.check()).toBeNull();
  });

  it('ignores small drifts below the threshold', () => {
    let wall = 0;
    let mono = 0;
    const detector = createJumpDetector({ wall: () => wall, monotonic: () => mono }, 30_000);
    wall += 29_000;
    expect(detector.check()).toBeNull();
  });
});
