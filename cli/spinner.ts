/** @module A small stderr spinner for long waits (only on a TTY; plain lines otherwise). */

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startSpinner(text: string, stream: NodeJS.WriteStream = process.stderr) {
  if (!stream.isTTY) {
    stream.write(`${text}\n`);
    return {
      update: (_: string) => undefined,
      stop: (final?: string) => void (final && stream.write(`${final}\n`)),
    };
  }
  let frame = 0;
  let current = text;
  const timer = setInterval(() => {
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${current}\u001b[K`);
  }, 100);
  timer.unref();
  return {
    update(next: string) {
      current = next;
    },
    stop(final?: string) {
      clearInterval(timer);
      stream.write(`\r\u001b[K${final ? `${final}\n` : ''}`);
    },
  };
}
