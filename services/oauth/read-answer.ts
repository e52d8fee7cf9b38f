/**
 * @module The answer the SDK's OAuth functions get for a 2xx answer that came over node:http and
 * was read whole: not a web `Response` (building one, and reading it back through a web stream,
 * was most of the cost of an OAuth exchange), but the part of one that their code reads.
 */
import type { AnswerHeaders } from './answer-headers.js';

/**
 * What the SDK's OAuth code (client/auth.js, shared/transport.js) and services/oauth read from a
 * `fetch` answer, with a `Response`'s meaning. Error answers stay real `Response`s: the SDK's
 * `parseErrorResponse` reads status and body only from an `instanceof Response`.
 */
export interface OAuthAnswer {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: AnswerHeaders;
  /** `''`, `false`, `'default'`: as a constructed `Response` (what the SDK got before). */
  readonly url: string;
  readonly redirected: boolean;
  readonly type: 'default';
  /** The body as a stream, made on first use; null for a status without a body. */
  readonly body: ReadableStream<Uint8Array> | null;
  readonly bodyUsed: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** Statuses whose answers cannot have a body (Fetch standard). */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** An answer whose body has arrived whole: its bytes are decoded as `Response` decodes them. */
export class ReadAnswer implements OAuthAnswer {
  readonly url = '';
  readonly redirected = false;
  readonly type = 'default';
  readonly ok: boolean;
  /** null: a status without a body. */
  readonly #bytes: Uint8Array | null;
  /** Read or cancelled (the Fetch standard's "disturbed"), through a method or the stream. */
  #disturbed = false;
  #stream: ReadableStream<Uint8Array> | null = null;

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: AnswerHeaders,
    bytes: Uint8Array,
  ) {
    this.ok = status >= 200 && status < 300;
    this.#bytes = NULL_BODY_STATUSES.has(status) ? null : bytes;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#bytes === null) return null;
    if (this.#stream !== null) return this.#stream;
    const bytes = this.#bytes;
    const readBefore = this.#disturbed;
    // Pulled only when read (no high-water mark), so reading or cancelling it disturbs the body.
    this.#stream = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          this.#disturbed = true;
          if (bytes.byteLength > 0) controller.enqueue(bytes.slice());
          controller.close();
        },
        cancel: () => {
          this.#disturbed = true;
        },
      },
      { highWaterMark: 0 },
    );
    // A body read by `text()` or `json()` is a locked stream, as a read `Response`'s is.
    if (readBefore) this.#stream.getReader();
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#disturbed;
  }

  async text(): Promise<string> {
    // Undoes a UTF-8 BOM and replaces malformed bytes, as `Response.text()` does.
    return decoder.decode(await this.#consume());
  }

  async json(): Promise<unknown> {
    // JSON.parse's own SyntaxError for a malformed or empty body, as `Response.json()` throws.
    return JSON.parse(await this.text()) as unknown;
  }

  /** The body, once: a second read fails as `Response`'s does. */
  async #consume(): Promise<Uint8Array> {
    if (this.#bytes === null) return EMPTY;
    if (this.bodyUsed || this.#stream?.locked) {
      throw new TypeError('Body is unusable: Body has already been read');
    }
    if (this.#stream === null) {
      this.#disturbed = true;
      return this.#bytes;
    }
    // The stream was handed out but not read: read through it, so it ends up read as well.
    const reader = this.#stream.getReader();
    const chunks: Uint8Array[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      chunks.push(next.value);
    }
    return Buffer.concat(chunks);
  }
}

/**
 * The answer as the SDK's `FetchLike` types it. The one cast of the direct path: the SDK's
 * OAuth functions read only what {@link OAuthAnswer} has from a 2xx answer (checked against
 * client/auth.js of @modelcontextprotocol/sdk 1.32; test/services/oauth/read-answer.test.ts).
 */
export function asFetchResponse(answer: OAuthAnswer): Response {
  return answer as unknown as Response;
}
