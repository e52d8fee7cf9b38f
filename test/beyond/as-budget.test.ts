/**
 * The per-authorization-server budget (SPEC §3a) under a SimulatedClock: queues rather than
 * fails, never lets a rolling minute hold more than its budget, serves the most urgent first,
 * keeps issuers apart, and drops an aborted request without spending a slot.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createAsBudget } from '../../services/runtime/as-budget.js';

function setup(perMinute: number) {
  const clock = new SimulatedClock();
  const budget = createAsBudget({
    perMinute,
    clock: {
      now: () => clock.now(),
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (id) => clock.clearTimeout(id as number),
    },
  });
  const granted: Array<{ id: string; at: number }> = [];
  const take = (
    id: string,
    issuer = 'https://as.example',
    signal?: AbortSignal,
    urgency?: number,
  ) =>
    budget.take(issuer, signal, urgency).then(
      () => granted.push({ id, at: clock.now() }),
      (error: unknown) => granted.push({ id: `${id}:rejected:${String(error)}`, at: clock.now() }),
    );
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  /** Moves simulated time in 1 s steps (timers scheduled while flushing start at the new time). */
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1_000) {
      clock.increment(1_000);
      await flush();
    }
  };
  return { clock, budget, granted, take, flush, advance };
}

const maxInAnyMinute = (times: number[]) =>
  Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));

describe('per-AS budget', () => {
  it('lets 30 through at once, queues the other 20 and serves them when the minute rolls over', async () => {
    const { granted, take, flush, advance, budget } = setup(30);
    for (let i = 0; i < 50; i++) void take(`s${i}`);
    await flush();
    expect(granted).toHaveLength(30);
    expect(budget.queued('https://as.example')).toBe(20);
    await advance(59_000);
    expect(granted).toHaveLength(30);
    await advance(1_000);
    expect(granted).toHaveLength(50);
    expect(granted.slice(30).every((g) => g.at === 60_000)).toBe(true);
    expect(maxInAnyMinute(granted.map((g) => g.at))).toBeLessThanOrEqual(30);
  });

  it('never exceeds the budget in any rolling minute under a steady overload', async () => {
    const { granted, take, flush, advance } = setup(30);
    for (let second = 0; second < 300; second++) {
      void take(`a${second}`);
      void take(`b${second}`);
      await flush();
      await advance(1_000);
    }
    // 600 requests at 30 per minute need 20 minutes: the last one goes out in the 20th.
    await advance(900_000);
    expect(granted).toHaveLength(600);
    const last = Math.max(...granted.map((g) => g.at));
    expect(last).toBeGreaterThanOrEqual(19 * 60_000);
    expect(last).toBeLessThan(20 * 60_000);
    expect(maxInAnyMinute(granted.map((g) => g.at))).toBeLessThanOrEqual(30);
  });

  it('serves queued requests most urgent first, arrival order among equals', async () => {
    const { granted, take, flush, advance } = setup(1);
    void take('first');
    void take('late-expiry', undefined, undefined, 5_000);
    void take('no-expiry');
    void take('early-expiry', undefined, undefined, 1_000);
    void take('also-early', undefined, undefined, 1_000);
    await flush();
    await advance(240_000);
    expect(granted.map((g) => g.id)).toEqual([
      'first',
      'early-expiry',
      'also-early',
      'late-expiry',
      'no-expiry',
    ]);
    expect(granted.map((g) => g.at)).toEqual([0, 60_000, 120_000, 180_000, 240_000]);
  });

  it('keeps the budgets of different issuers apart', async () => {
    const { granted, take, flush } = setup(2);
    for (const issuer of ['https://a.example', 'https://b.example']) {
      for (let i = 0; i < 3; i++) void take(`${issuer}#${i}`, issuer);
    }
    await flush();
    expect(granted.map((g) => g.id).sort()).toEqual([
      'https://a.example#0',
      'https://a.example#1',
      'https://b.example#0',
      'https://b.example#1',
    ]);
  });

  it('drops an aborted request from the queue without spending a slot', async () => {
    const { granted, take, flush, advance } = setup(1);
    void take('holder');
    const leaving = new AbortController();
    void take('leaving', undefined, leaving.signal);
    void take('staying');
    await flush();
    leaving.abort(new Error('state left'));
    await flush();
    expect(granted.map((g) => g.id)).toEqual(['holder', 'leaving:rejected:Error: state left']);
    await advance(60_000);
    expect(granted.at(-1)).toEqual({ id: 'staying', at: 60_000 });
  });
});
