/**
 * @module An incremental `text/event-stream` parser over decoded text (WHATWG rules, as the
 * SDK's `EventSourceParserStream` applies them): CR, LF or CRLF line ends, a leading BOM dropped,
 * `data` lines joined with LF, comments skipped, and an event dispatched at a blank line when it
 * had a `data` line. `id` belongs to the event it came with; a `retry` of digits goes to
 * `onRetry`.
 */

/** One dispatched event. */
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** Feed it text as it arrives; `onEvent` runs for every complete event. */
export class SseParser {
  /** Text after the last line end, in the pieces it came in (a long line arrives in many). */
  private readonly pending: string[] = [];
  private first = true;
  private id: string | undefined;
  private event: string | undefined;
  private data = '';
  private dataLines = 0;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onRetry?: (ms: number) => void,
  ) {}

  /** Parses `text`, keeping an unfinished last line for the next call. */
  push(text: string): void {
    const last = this.pending.at(-1);
    if (last !== undefined && !last.endsWith('\r') && !/[\r\n]/.test(text)) {
      this.pending.push(text);
      return;
    }
    let input = this.pending.join('') + text;
    this.pending.length = 0;
    if (this.first && input.length > 0) {
      this.first = false;
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
    }
    let start = 0;
    for (;;) {
      const end = lineEnd(input, start);
      if (end === -1) break;
      this.line(input.slice(start, end));
      start = end + 1;
      if (input.charCodeAt(end) === 13 && input.charCodeAt(start) === 10) start += 1;
    }
    if (start < input.length) this.pending.push(input.slice(start));
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 58) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value =
      colon === -1 ? '' : line.slice(colon + (line.charCodeAt(colon + 1) === 32 ? 2 : 1));
    if (field === 'data') {
      this.data = this.dataLines === 0 ? value : `${this.data}\n${value}`;
      this.dataLines += 1;
    } else if (field === 'event') {
      this.event = value || undefined;
    } else if (field === 'id' && !value.includes('\0')) {
      this.id = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      this.onRetry?.(Number.parseInt(value, 10));
    }
  }

  private dispatch(): void {
    if (this.dataLines > 0) this.onEvent({ id: this.id, event: this.event, data: this.data });
    this.id = undefined;
    this.event = undefined;
    this.data = '';
    this.dataLines = 0;
  }
}

/**
 * Index of the next line end at or after `from`, or -1. A CR that is the last character may be
 * the first half of a CRLF: it waits for more text.
 */
function lineEnd(text: string, from: number): number {
  const lf = text.indexOf('\n', from);
  const cr = text.indexOf('\r', from);
  if (cr === -1) return lf;
  if (lf !== -1 && lf < cr) return lf;
  return cr === text.length - 1 ? -1 : cr;
}
