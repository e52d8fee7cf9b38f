/**
 * @module Following the GET event stream of a Streamable HTTP upstream from decoded text, as the
 * SDK transport's `_handleSseStream` does for a GET with web streams: message events validated and
 * handed on, `id:` as the resumption token, `retry:` as the reconnection delay, and a stream that
 * ends or breaks before a response is reopened from its last event id while the transport is open.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { messageOf } from './jsonrpc.js';
import { SseParser } from './sse-parser.js';

/** What a GET event stream is opened with (the SDK transport's `StartSSEOptions`). */
export interface EventStreamOptions {
  /** The last event id seen, sent as `Last-Event-ID` to resume from it. */
  resumptionToken?: string;
  onresumptiontoken?: (token: string) => void;
  /** The id of the request whose answer the stream resumes: its response gets it back. */
  replayMessageId?: string | number;
}

/** Where a stream's messages, errors and reconnection go. */
export interface EventStreamSink {
  onmessage(message: JSONRPCMessage): void;
  onerror(error: Error): void;
  /** The server's reconnection delay (`retry:`). */
  onretry(ms: number): void;
  /** Whether the transport is still open: a closed one neither reports the break nor reconnects. */
  isOpen(): boolean;
  /** Reopens the stream with `options`, on the SDK transport's reconnection schedule. */
  reconnect(options: EventStreamOptions): void;
}

/**
 * Follows one GET answer: `read` feeds its decoded text and settles when it ends or breaks.
 * Unless it carried a response (a resumed request was answered), the stream is then reopened.
 */
export function followEventStream(
  read: (onText: (text: string) => void) => Promise<void>,
  options: EventStreamOptions,
  sink: EventStreamSink,
): void {
  // A stream that gave no id of its own is resumed from where it was opened.
  let lastEventId = options.resumptionToken;
  let answered = false;
  const parser = new SseParser(
    (event) => {
      if (event.id) {
        lastEventId = event.id;
        options.onresumptiontoken?.(event.id);
      }
      // Events without data (priming events, keep-alives) only move the resumption token.
      if (!event.data || (event.event && event.event !== 'message')) return;
      try {
        const message = messageOf(JSON.parse(event.data));
        if ('result' in message) {
          answered = true;
          if (options.replayMessageId !== undefined) message.id = options.replayMessageId;
        }
        sink.onmessage(message);
      } catch (error) {
        sink.onerror(error as Error);
      }
    },
    (ms) => sink.onretry(ms),
  );
  const reconnect = () => {
    if (answered || !sink.isOpen()) return;
    sink.reconnect({ ...options, resumptionToken: lastEventId });
  };
  read((text) => parser.push(text)).then(reconnect, (error: unknown) => {
    if (sink.isOpen()) sink.onerror(new Error(`SSE stream disconnected: ${String(error)}`));
    reconnect();
  });
}
