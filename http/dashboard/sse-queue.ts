/**
 * @module A single-consumer async queue for one SSE connection: the hub pushes, the stream
 * awaits items in order; closing wakes the consumer and ends its loop.
 */

/** Items pushed by listeners and timers, drained by one stream. Bounded: the oldest are dropped. */
export class SseQueue<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(private readonly maxItems = 10_000) {}

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    // A client that does not read must not make the process hold everything for it.
    if (this.items.length > this.maxItems) this.items.shift();
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Yields items as they arrive until the queue is closed. */
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      while (this.items.length > 0 && !this.closed) yield this.items.shift()!;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
