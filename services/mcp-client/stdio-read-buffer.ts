/**
 * @module The line reader of a stdio upstream, in place of the SDK's `ReadBuffer`. The SDK's
 * throws on a line over its limit, and its transport then closes the connection: one oversized
 * tool result restarted the child and failed every other call in flight. This one skips such a
 * line as it streams by (it never holds more than the limit) and, when the line was the answer
 * to a request, answers that request with an error that says why (`ANSWER_TOO_LARGE_CODE`).
 */
import { deserializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** JSON-RPC error code of the stand-in answer (implementation-defined server error range). */
export const ANSWER_TOO_LARGE_CODE = -32_099;

/** Bytes of a skipped line kept from each end, where serializers put the `id`. */
const EDGE_BYTES = 256;

type Item = { line: string } | { message: JSONRPCMessage };

/** A line being skipped: its first bytes, and the last bytes seen so far. */
interface Skipping {
  head: Buffer;
  tail: Buffer;
}

export class LenientReadBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private skipping: Skipping | null = null;
  private readonly items: Item[] = [];

  /** `onSkipped`: told of each skipped line (its size is not known; it was too large). */
  constructor(
    private readonly maxLineBytes: number,
    private readonly onSkipped: (answered: boolean) => void = () => undefined,
  ) {}

  append(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      const newline = data.indexOf(0x0a);
      const part = newline === -1 ? data : data.subarray(0, newline);
      if (this.skipping) {
        this.skipping.tail = lastBytes([this.skipping.tail, part]);
      } else if (this.size + part.length > this.maxLineBytes) {
        this.skipping = {
          head: firstBytes([...this.chunks, part]),
          tail: lastBytes([...this.chunks, part]),
        };
        this.chunks = [];
        this.size = 0;
      } else {
        this.chunks.push(part);
        this.size += part.length;
      }
      if (newline === -1) return;
      this.endLine();
      data = data.subarray(newline + 1);
    }
  }

  readMessage(): JSONRPCMessage | null {
    const item = this.items.shift();
    if (!item) return null;
    if ('message' in item) return item.message;
    return deserializeMessage(item.line);
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.skipping = null;
    this.items.length = 0;
  }

  private endLine(): void {
    if (this.skipping) {
      const id = answeredId(this.skipping);
      this.skipping = null;
      this.onSkipped(id !== null);
      if (id !== null) {
        this.items.push({
          message: {
            jsonrpc: '2.0',
            id,
            error: { code: ANSWER_TOO_LARGE_CODE, message: 'The answer is over the size limit' },
          },
        });
      }
      return;
    }
    const line = Buffer.concat(this.chunks, this.size).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.size = 0;
    if (line.length > 0) this.items.push({ line });
  }
}

function firstBytes(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    if (size >= EDGE_BYTES) break;
    out.push(part.subarray(0, EDGE_BYTES - size));
    size += Math.min(part.length, EDGE_BYTES - size);
  }
  return Buffer.concat(out);
}

function lastBytes(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (let i = parts.length - 1; i >= 0 && size < EDGE_BYTES; i -= 1) {
    const part = parts[i]!;
    out.unshift(part.subarray(Math.max(0, part.length - (EDGE_BYTES - size))));
    size += Math.min(part.length, EDGE_BYTES - size);
  }
  return Buffer.concat(out);
}

const ID = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
/** `…,"id":5}`: the TypeScript SDK writes the id last. */
const ID_LAST = new RegExp(String.raw`"id"\s*:\s*${ID}\s*\}\s*$`);
/** `{"jsonrpc":"2.0","id":5,…` or `{"id":5,…`: others write it first. */
const ID_FIRST = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}`,
);

/** The id of the response a skipped line was, or null (a notification, or not found). */
function answeredId(line: Skipping): string | number | null {
  const head = line.head.toString('utf8');
  const tail = line.tail.toString('utf8').replace(/\r$/, '');
  if (!/"(result|error)"\s*:/.test(head + tail)) return null;
  const found = ID_LAST.exec(tail) ?? ID_FIRST.exec(head);
  if (!found) return null;
  const raw = found[1]!;
  return raw.startsWith('"') ? (JSON.parse(raw) as string) : Number(raw);
}
