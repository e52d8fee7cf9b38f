/**
 * @module What the app must end when it shuts down (open SSE streams, MCP sessions, actor
 * subscriptions), so that the listening server can close without waiting for clients.
 */

/** A set of cleanup functions, run once each. */
export class Closers {
  private readonly pending = new Set<() => void | Promise<void>>();

  /** Adds `close`; returns a function that removes it without running it. */
  add(close: () => void | Promise<void>): () => void {
    this.pending.add(close);
    return () => this.pending.delete(close);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Runs every cleanup (errors are contained) and forgets them. */
  async closeAll(): Promise<void> {
    const all = [...this.pending];
    this.pending.clear();
    await Promise.allSettled(all.map(async (close) => close()));
  }
}
