/**
 * @module A small async queue: producers push (hub listeners, ping timers), one consumer awaits
 * items in order; closing wakes the consumer and ends its loop.
 */

/** A single-consumer async queue. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Yields items as they arrive until the queue is closed. */
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      while (this.items.length > 0) {
        if (this.closed) return;
        yield this.items.shift()!;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
