/**
 * @module A small stderr spinner for long waits (only on a TTY; plain lines otherwise), and
 * Ctrl-C during such a wait: the line is cleared and the command ends with exit 130.
 */
import { ProxyError } from '../services/errors.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Spinner {
  update(text: string): void;
  /** Clears the spinner's line (once; later calls only print `final`). */
  stop(final?: string): void;
}

export function startSpinner(text: string, stream: NodeJS.WriteStream = process.stderr): Spinner {
  if (!stream.isTTY) {
    stream.write(`${text}\n`);
    return {
      update: (_: string) => undefined,
      stop: (final?: string) => void (final && stream.write(`${final}\n`)),
    };
  }
  let frame = 0;
  let current = text;
  let running = true;
  const timer = setInterval(() => {
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${current}\u001b[K`);
  }, 100);
  timer.unref();
  return {
    update(next: string) {
      current = next;
    },
    stop(final?: string) {
      if (running) {
        running = false;
        clearInterval(timer);
        stream.write('\r\u001b[K');
      }
      if (final) stream.write(`${final}\n`);
    },
  };
}

/** The exit code of a command interrupted by Ctrl-C (SIGINT), as shells report it: 128 + 2. */
export const EXIT_INTERRUPTED = 130;

/** Ctrl-C ended a wait; its message says what goes on without this command. Exit 130. */
export class InterruptedError extends ProxyError {
  constructor(message: string) {
    super('interrupted', message);
  }
}

/**
 * Settles as `work` does, unless SIGINT comes first: then `spinner` is stopped (its line
 * cleared) and it rejects with an InterruptedError saying `message`.
 */
export function untilInterrupted<T>(
  work: Promise<T>,
  spinner: Pick<Spinner, 'stop'> | null,
  message: string,
): Promise<T> {
  let onSigint = () => {};
  const interrupted = new Promise<never>((_, reject) => {
    onSigint = () => {
      spinner?.stop();
      reject(new InterruptedError(message));
    };
    process.once('SIGINT', onSigint);
  });
  return Promise.race([work, interrupted]).finally(() => process.off('SIGINT', onSigint));
}
