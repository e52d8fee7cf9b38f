/**
 * @module The upstream actor's refresher: one long-lived child per upstream that runs a refresh
 * attempt on request (`refresh.run`), stops it on `refresh.cancel`, and sends the outcome back
 * (`refresh.done` / `refresh.failed`). The provided `refresh` logic (a promise actor: input,
 * abort signal) runs as a root actor of its own, outside the upstream's actor system: XState
 * stops every finished actor through `scheduler.cancelAll`, a scan of every pending timer of the
 * actor's system (one per upstream), which an invoked child per refresh paid on each attempt.
 */
import { type AnyActorRef, createActor, fromCallback, type PromiseActorLogic } from 'xstate';
import type { RefreshInput, RefreshOutput } from './upstream.types.js';

/** What the upstream actor asks of its refresher. */
export type RefresherCommand =
  { type: 'refresh.run'; input: RefreshInput } | { type: 'refresh.cancel' };

/** What the refresher reports: the attempt's output, or what it threw. */
export type RefresherReport =
  { type: 'refresh.done'; output: RefreshOutput } | { type: 'refresh.failed'; error: unknown };

type RefreshLogic = PromiseActorLogic<RefreshOutput, RefreshInput>;

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

/** Runs one attempt at a time; the outcome of a cancelled attempt is never reported. */
export const refresherLogic = fromCallback<RefresherCommand, RefresherInput>(
  ({ input, receive, sendBack }) => {
    let current: ReturnType<typeof createActor<RefreshLogic>> | null = null;
    const cancel = () => {
      const attempt = current;
      current = null; // first: stopping completes the attempt's observers synchronously
      attempt?.stop();
    };
    receive((command) => {
      cancel();
      if (command.type === 'refresh.cancel') return;
      if (!input.logic) {
        sendBack({
          type: 'refresh.failed',
          error: new Error('No refresh logic was provided'),
        } satisfies RefresherReport);
        return;
      }
      const attempt = createActor(input.logic, { input: command.input });
      current = attempt;
      attempt.subscribe({
        complete: () => {
          if (current !== attempt) return;
          current = null;
          sendBack({
            type: 'refresh.done',
            output: attempt.getSnapshot().output!,
          } satisfies RefresherReport);
        },
        error: (error) => {
          if (current !== attempt) return;
          current = null;
          sendBack({ type: 'refresh.failed', error } satisfies RefresherReport);
        },
      });
      attempt.start();
    });
    return cancel;
  },
);
