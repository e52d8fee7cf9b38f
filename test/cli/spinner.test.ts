/** @module Tests for the spinner and Ctrl-C during a wait: the line is cleared, exit 130. */
import { describe, expect, it } from 'vitest';
import {
  EXIT_INTERRUPTED,
  InterruptedError,
  startSpinner,
  untilInterrupted,
} from '../../cli/spinner.js';

/** A stand-in terminal that records what is written to it. */
function fakeTty() {
  const writes: string[] = [];
  const stream = {
    isTTY: true,
    write: (chunk: string) => (writes.push(chunk), true),
  } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe('untilInterrupted', () => {
  it('on SIGINT clears the spinner line and rejects with an InterruptedError (exit 130)', async () => {
    const { stream, writes } = fakeTty();
    const spinner = startSpinner('Waiting…', stream);
    const listeners = process.listenerCount('SIGINT');
    const waiting = untilInterrupted(new Promise<never>(() => {}), spinner, 'Interrupted; why.');
    expect(process.listenerCount('SIGINT')).toBe(listeners + 1);

    process.emit('SIGINT');

    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe('Interrupted; why.');
    expect(writes.at(-1)).toBe('\r\u001b[K');
    expect(EXIT_INTERRUPTED).toBe(130);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('settles as the work does and leaves no SIGINT listener behind', async () => {
    const listeners = process.listenerCount('SIGINT');
    await expect(untilInterrupted(Promise.resolve(7), null, 'x')).resolves.toBe(7);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});

describe('startSpinner', () => {
  it('clears its line once, however often it is stopped', () => {
    const { stream, writes } = fakeTty();
    const spinner = startSpinner('Waiting…', stream);
    spinner.stop();
    spinner.stop();
    spinner.stop('done');
    expect(writes).toEqual(['\r\u001b[K', 'done\n']);
  });
});
