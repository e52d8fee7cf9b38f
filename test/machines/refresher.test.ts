/**
 * The upstream actor's refresher runs the provided refresh logic one attempt at a time: it
 * reports an attempt's output or error, aborts an attempt it is told to cancel (or a newer one
 * replaces) and never reports a cancelled attempt's outcome.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, setup, type AnyEventObject } from 'xstate';
import { refresherLogic, type RefresherCommand } from '../../machines/upstream/refresher.js';
import type { RefreshInput, RefreshOutput } from '../../machines/upstream/upstream.types.js';
import { oauthEntry, recordWithToken, spec, T0 } from '../helpers/machine-harness.js';

const gh = spec(oauthEntry('gh'));
const record = recordWithToken(gh.serverKey, 'gh', T0, 3600);
const input = (correlationId: string): RefreshInput => ({
  entry: gh.entry,
  serverKey: gh.serverKey,
  record,
  correlationId,
  attempt: 0,
});

/** A parent that keeps what its refresher reports; the refresh logic is driven by the test. */
function harness() {
  const attempts: Array<{
    id: string;
    signal: AbortSignal;
    settle: (output: RefreshOutput | Error) => void;
  }> = [];
  const logic = fromPromise<RefreshOutput, RefreshInput>(
    ({ input: { correlationId }, signal }) =>
      new Promise((resolve, reject) => {
        attempts.push({
          id: correlationId,
          signal,
          settle: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
        });
      }),
  );
  const reports: AnyEventObject[] = [];
  const parent = createActor(
    setup({ actors: { refresher: refresherLogic } }).createMachine({
      invoke: { id: 'refresher', src: 'refresher', input: { logic } },
      on: { '*': { actions: ({ event }) => reports.push(event) } },
    }),
  ).start();
  const send = (command: RefresherCommand) =>
    (
      parent.getSnapshot().children as Record<string, { send(e: RefresherCommand): void }>
    ).refresher!.send(command);
  return { attempts, reports, send, parent };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));
const issued: RefreshOutput = { kind: 'issued', record, redeemedGeneration: 1 };

describe('refresher', () => {
  it('reports the output of an attempt, then the error of the next', async () => {
    const h = harness();
    h.send({ type: 'refresh.run', input: input('a') });
    h.attempts[0]!.settle(issued);
    await settled();
    h.send({ type: 'refresh.run', input: input('b') });
    const failure = new Error('HTTP 503');
    h.attempts[1]!.settle(failure);
    await settled();
    expect(h.reports).toEqual([
      { type: 'refresh.done', output: issued },
      { type: 'refresh.failed', error: failure },
    ]);
  });

  it('aborts a cancelled or replaced attempt and never reports its outcome', async () => {
    const h = harness();
    h.send({ type: 'refresh.run', input: input('a') });
    h.send({ type: 'refresh.cancel' });
    expect(h.attempts[0]!.signal.aborted).toBe(true);
    h.send({ type: 'refresh.run', input: input('b') });
    h.send({ type: 'refresh.run', input: input('c') });
    expect(h.attempts.map((a) => [a.id, a.signal.aborted])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
    for (const attempt of h.attempts) attempt.settle(issued);
    await settled();
    expect(h.reports).toEqual([{ type: 'refresh.done', output: issued }]);
  });

  it('aborts the attempt in flight when its upstream stops', () => {
    const h = harness();
    h.send({ type: 'refresh.run', input: input('a') });
    h.parent.stop();
    expect(h.attempts[0]!.signal.aborted).toBe(true);
  });
});
