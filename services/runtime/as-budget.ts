/**
 * @module The per-authorization-server request budget (SPEC §3a): servers that share an issuer
 * share `perMinute` token-endpoint requests per rolling minute. Requests over the budget queue
 * instead of failing — the most urgent first (the access token that expires first), ties in
 * arrival order — and a queued request honours its AbortSignal.
 */

/** Timer functions the budget schedules with (the SimulatedClock's in tests). */
export interface BudgetClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AsBudgetOptions {
  /** Requests per rolling minute per issuer (config `as_budget_per_minute`, default 30). */
  perMinute: number;
  /** The rolling window; a minute unless a test says otherwise. */
  windowMs?: number;
  /** Defaults to the real clock and timers. */
  clock?: BudgetClock;
}

/** The budget the refresh path awaits before calling a token endpoint. */
export interface AsBudget {
  readonly perMinute: number;
  /**
   * Resolves when a request to `issuer`'s token endpoint may go out, with the milliseconds it
   * waited. `urgency` orders the queue (lower first; e.g. the access token's expiry). Rejects
   * with the signal's reason if the signal aborts first (the slot is not used).
   */
  take(issuer: string, signal?: AbortSignal, urgency?: number): Promise<number>;
  /** Requests of `issuer` waiting for a slot now. */
  queued(issuer: string): number;
}

interface Waiter {
  enqueuedAt: number;
  urgency: number;
  resolve(waitedMs: number): void;
  reject(reason: unknown): void;
  detach(): void;
}

interface IssuerState {
  /** Moments of the grants inside the current window, oldest first. */
  grants: number[];
  queue: Waiter[];
  timer: unknown;
}

const realClock: BudgetClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const abortReason = (signal: AbortSignal) =>
  signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');

/**
 * Creates a budget. It is a token bucket of `perMinute` tokens in which a spent token returns
 * one window after it was spent, so no rolling minute ever holds more than `perMinute` requests
 * (a bucket that refills continuously would let up to twice that through in the first minute
 * after a burst, e.g. 50 servers waking from sleep).
 */
export function createAsBudget(options: AsBudgetOptions): AsBudget {
  const perMinute = Math.max(1, Math.floor(options.perMinute));
  const windowMs = options.windowMs ?? 60_000;
  const clock = options.clock ?? realClock;
  const issuers = new Map<string, IssuerState>();

  const stateOf = (issuer: string) => {
    let state = issuers.get(issuer);
    if (!state) {
      state = { grants: [], queue: [], timer: null };
      issuers.set(issuer, state);
    }
    return state;
  };

  const prune = (state: IssuerState, now: number) => {
    while (state.grants.length > 0 && state.grants[0]! <= now - windowMs) state.grants.shift();
  };

  function drain(issuer: string, state: IssuerState): void {
    const now = clock.now();
    prune(state, now);
    while (state.queue.length > 0 && state.grants.length < perMinute) {
      const waiter = state.queue.shift()!;
      state.grants.push(now);
      waiter.detach();
      waiter.resolve(now - waiter.enqueuedAt);
    }
    arm(issuer, state);
  }

  /** Wakes the queue when the oldest grant leaves the window. */
  function arm(issuer: string, state: IssuerState): void {
    if (state.timer !== null) return;
    if (state.queue.length === 0) {
      if (state.grants.length === 0) issuers.delete(issuer);
      return;
    }
    const delay = Math.max(1, state.grants[0]! + windowMs - clock.now());
    state.timer = clock.setTimeout(() => {
      state.timer = null;
      drain(issuer, state);
    }, delay);
  }

  return {
    perMinute,
    take(issuer, signal, urgency = Infinity) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      const state = stateOf(issuer);
      const now = clock.now();
      prune(state, now);
      if (state.queue.length === 0 && state.grants.length < perMinute) {
        state.grants.push(now);
        return Promise.resolve(0);
      }
      return new Promise<number>((resolve, reject) => {
        const onAbort = () => {
          state.queue = state.queue.filter((w) => w !== waiter);
          if (state.queue.length === 0 && state.timer !== null) {
            clock.clearTimeout(state.timer);
            state.timer = null;
          }
          reject(abortReason(signal!));
        };
        const waiter: Waiter = {
          enqueuedAt: now,
          urgency: Number.isNaN(urgency) ? Infinity : urgency,
          resolve,
          reject,
          detach: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        // Stable insert: after every waiter at least as urgent (arrival order among equals).
        const at = state.queue.findIndex((w) => w.urgency > waiter.urgency);
        state.queue.splice(at === -1 ? state.queue.length : at, 0, waiter);
        arm(issuer, state);
      });
    },
    queued: (issuer) => issuers.get(issuer)?.queue.length ?? 0,
  };
}
