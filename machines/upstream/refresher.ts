/**
 * @module The upstream actor's refresher: one long-lived child per upstream that runs a refresh
 * attempt on request (`refresh.run`), stops it on `refresh.cancel`, and sends the outcome back
 * (`refresh.done` / `refresh.failed`). The provided `refresh` logic (a promise actor: input,
 * abort signal) runs outside the upstream's actor system: its promise creator is called
 * directly, with the signal made only when the attempt reads it. An invoked child per refresh
 * paid for an actor (a system of its own as a root actor, else XState's `scheduler.cancelAll`,
 * a scan of every pending timer of the system, when it stopped) on every attempt.
 */
import { type AnyActorRef, fromCallback, type PromiseActorLogic } from 'xstate';
import type { RefreshInput, RefreshOutput } from './upstream.types.js';

/** What the upstream actor asks of its refresher. */
export type RefresherCommand =
  { type: 'refresh.run'; input: RefreshInput } | { type: 'refresh.cancel' };

/** What the refresher reports: the attempt's output, or what it threw. */
export type RefresherReport =
  { type: 'refresh.done'; output: RefreshOutput } | { type: 'refresh.failed'; error: unknown };

type RefreshLogic = PromiseActorLogic<RefreshOutput, RefreshInput>;
/** What XState hands a promise actor's creator (`fromPromise`'s `config`). */
type PromiseCreator = (params: {
  input: RefreshInput;
  signal: AbortSignal;
  self: AnyActorRef;
  system: unknown;
  emit: (event: unknown) => void;
}) => PromiseLike<RefreshOutput> | RefreshOutput;

export interface RefresherInput {
  /** The provided `refresh` logic (see `providedRefresh`). */
  logic: RefreshLogic | null;
}

type MachineLogic = { implementations?: { actors: Record<string, unknown> } };

/**
 * The `refresh` logic the machine of actor `self` was given (`machine.provide`); null when
 * `self` is no machine actor (a graph traversal's stand-in).
 */
export function providedRefresh(self: AnyActorRef): RefreshLogic | null {
  const machine = (self as unknown as { logic?: MachineLogic }).logic;
  return (machine?.implementations?.actors.refresh as RefreshLogic | undefined) ?? null;
}

/** One running attempt: its abort controller exists once the attempt asked for its signal. */
interface Attempt {
  controller: AbortController | null;
}

const ignoreEmit = () => undefined;

/** Runs one attempt at a time; the outcome of a cancelled attempt is never reported. */
export const refresherLogic = fromCallback<RefresherCommand, RefresherInput>(
  ({ input, receive, sendBack, self, system }) => {
    const creator = (input.logic as unknown as { config?: PromiseCreator } | null)?.config;
    let current: Attempt | null = null;
    const cancel = () => {
      const attempt = current;
      current = null; // first: an abort may settle the attempt synchronously
      attempt?.controller?.abort();
    };
    receive((command) => {
      cancel();
      if (command.type === 'refresh.cancel') return;
      if (typeof creator !== 'function') {
        sendBack({
          type: 'refresh.failed',
          error: new Error('No refresh logic was provided'),
        } satisfies RefresherReport);
        return;
      }
      const attempt: Attempt = { controller: null };
      current = attempt;
      let outcome: PromiseLike<RefreshOutput> | RefreshOutput;
      try {
        outcome = creator({
          input: command.input,
          get signal() {
            return (attempt.controller ??= new AbortController()).signal;
          },
          self,
          system,
          emit: ignoreEmit,
        });
      } catch (error) {
        outcome = Promise.reject(error);
      }
      Promise.resolve(outcome).then(
        (output) => {
          if (current !== attempt) return;
          current = null;
          sendBack({ type: 'refresh.done', output } satisfies RefresherReport);
        },
        (error: unknown) => {
          if (current !== attempt) return;
          current = null;
          sendBack({ type: 'refresh.failed', error } satisfies RefresherReport);
        },
      );
    });
    return cancel;
  },
);
