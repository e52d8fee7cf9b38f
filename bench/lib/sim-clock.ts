/**
 * @module A simulated clock for long benchmark runs: XState's `Clock` interface over a binary
 * heap, so finding the next timer is O(log n). (XState's own `SimulatedClock` re-sorts every
 * pending timer on each `set()` and again whenever a fired timer schedules another, which makes
 * 1,000 actors × 24 h quadratic: see docs/benchmarks.md, actor scale.)
 */

interface Timer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/** Simulated milliseconds since 0; timers fire only when the clock is moved. */
export class HeapClock {
  private current = 0;
  private seq = 0;
  private readonly heap: Timer[] = [];
  private readonly live = new Map<number, Timer>();

  now(): number {
    return this.current;
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.live.size;
  }

  setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const timer: Timer = {
      id: ++this.seq,
      at: this.current + Math.max(0, timeout),
      seq: this.seq,
      fn,
    };
    this.live.set(timer.id, timer);
    this.push(timer);
    return timer.id;
  }

  clearTimeout(id: number): void {
    this.live.delete(id); // the heap entry is skipped when it comes up
  }

  /** When the next live timer is due (Infinity when none). */
  next(): number {
    this.dropCancelled();
    return this.heap[0]?.at ?? Infinity;
  }

  /** Moves the clock to `time` and fires every timer due by then, earliest first. */
  set(time: number): void {
    if (time < this.current) throw new Error('Unable to travel back in time');
    this.current = time;
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.at > this.current) return;
      this.pop();
      this.live.delete(top.id);
      top.fn();
    }
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0]!.id)) this.pop();
  }

  private before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && this.before(heap[left]!, heap[least]!)) least = left;
      if (right < heap.length && this.before(heap[right]!, heap[least]!)) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least]!, heap[i]!];
      i = least;
    }
  }
}
