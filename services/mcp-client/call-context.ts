/**
 * @module Per-call attribution of HTTP answers: a tool call runs inside an async context, and the
 * upstream fetch notes there the 401/403 that made it fail, so concurrent calls never mix them up.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What the fetch saw while one call ran. */
export interface CallTrace {
  status: number | null;
  /**
   * A 401 refused a token that had been replaced by the time the answer came (a refresh
   * committed while the request was in flight): not news for the actor, worth one retry.
   */
  staleToken: boolean;
  /** The access token a 401 refused. */
  refusedToken: string | null;
  /** Scopes a `403 insufficient_scope` answer asked for. */
  requiredScopes: string[] | null;
  /** The answer went past the size limit and was cut off. */
  tooLarge: boolean;
  /** Ends the call at once (set by the caller; used when the answer is cut off mid-stream). */
  abort?: () => void;
}

const storage = new AsyncLocalStorage<CallTrace>();

/** An empty trace for one call. */
export function newTrace(): CallTrace {
  return {
    status: null,
    staleToken: false,
    refusedToken: null,
    requiredScopes: null,
    tooLarge: false,
  };
}

/** Runs `fn` so that the upstream fetch records into `trace`. */
export function runTraced<T>(trace: CallTrace, fn: () => Promise<T>): Promise<T> {
  return storage.run(trace, fn);
}

/** The trace of the call this code runs for, if any. */
export function currentTrace(): CallTrace | undefined {
  return storage.getStore();
}
