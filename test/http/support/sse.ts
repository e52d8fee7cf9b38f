/** @module Reads an SSE response as parsed `{ event, data }` messages, with bounded waits. */

export interface SseMessage {
  event: string;
  data: any;
}

/** An SSE reader over a fetch response body. */
export class SseReader {
  readonly messages: SseMessage[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  constructor(response: Response) {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          this.feed(value);
        }
      } catch {
        // aborted
      }
      this.wake();
    })();
  }

  /** Resolves with the first message (from the start) that `match` accepts; rejects after `ms`. */
  async next(match: (m: SseMessage) => boolean, ms = 3000): Promise<SseMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching SSE message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private feed(text: string): void {
    this.buffer += text;
    let index: number;
    while ((index = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, index);
      this.buffer = this.buffer.slice(index + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      this.messages.push({ event, data: JSON.parse(data.join('\n')) });
    }
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}
