/**
 * @module The SSE parser of the direct upstream path: the same events whatever the chunking
 * (CR, LF and CRLF line ends split anywhere), a leading BOM, comments, multi-line data, and ids
 * that belong to their event; an event without data is not dispatched; `retry` values of digits
 * are reported.
 */
import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../../services/mcp-client/sse-parser.js';

const STREAM =
  '\ufeff: keep-alive\r\nid: 1\r\ndata:\r\n\r\n' +
  'event: message\ndata: {"a":\ndata:  1}\n\n' +
  'id: 2\n\n' +
  'data: x\rdata: y\r\r' +
  `data: ${'z'.repeat(300)}\n\n` +
  'data: never finished';

const EXPECTED: SseEvent[] = [
  { id: '1', event: undefined, data: '' },
  { id: undefined, event: 'message', data: '{"a":\n 1}' },
  { id: undefined, event: undefined, data: 'x\ny' },
  { id: undefined, event: undefined, data: 'z'.repeat(300) },
];

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('SseParser', () => {
  it.each([1, 2, 3, 7, 64, STREAM.length])(
    'parses the stream fed in %i-character chunks',
    (size) => {
      const chunks: string[] = [];
      for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.slice(i, i + size));
      expect(parse(chunks)).toEqual(EXPECTED);
    },
  );

  it('reports a retry of digits and ignores any other', () => {
    const retries: number[] = [];
    const parser = new SseParser(
      () => undefined,
      (ms) => retries.push(ms),
    );
    parser.push('retry: 2500\nretry: soon\nretry: 1.5\ndata: x\n\n');
    expect(retries).toEqual([2500]);
  });
});
