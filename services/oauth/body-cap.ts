/**
 * @module A bound on how much of one HTTP answer is read: the body is counted as it streams and
 * cut off past the limit, so a hostile or broken server (an upstream MCP server, an authorization
 * server) cannot make the proxy hold and parse an answer of any size. JSON and SSE alike.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** Thrown into the body stream of an answer that went past the limit. */
export class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`the answer is larger than ${Math.round(limitBytes / 1048576)} MB`);
  }
}

/**
 * Answers `response` with its body bounded to `limitBytes`; `onExceeded` runs once when the
 * limit is passed (a declared `Content-Length` over it counts at once). `onEnd` runs once when
 * the body has been read to its end or was cut off (at once for an answer without a body).
 */
export function capBody(
  response: Response,
  limitBytes: number,
  onExceeded: () => void,
  onEnd: () => void = () => undefined,
): Response {
  if (response.body === null) {
    onEnd();
    return response;
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  let seen = 0;
  let exceeded = false;
  const fail = (controller: TransformStreamDefaultController<Uint8Array>) => {
    if (!exceeded) onExceeded();
    exceeded = true;
    onEnd();
    controller.error(new AnswerTooLargeError(limitBytes));
  };
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        if (declared > limitBytes) fail(controller);
      },
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limitBytes) fail(controller);
        else controller.enqueue(chunk);
      },
      flush() {
        onEnd();
      },
    }),
  );
  return new Response(counted, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** A whole answer body, read once: its bytes, or why there are none. */
export type ReadBody = { bytes: Uint8Array<ArrayBuffer> } | { tooLarge: true } | { error: unknown };

/**
 * Reads all of `response`'s body, up to `limitBytes` (a declared `Content-Length` over it is
 * not read at all); the rest is cancelled. For small answers read whole (OAuth): no stream
 * stages per answer.
 */
export async function readBody(response: Response, limitBytes: number): Promise<ReadBody> {
  const body = response.body;
  if (body === null) return { bytes: new Uint8Array(0) };
  if (Number(response.headers.get('content-length') ?? Number.NaN) > limitBytes) {
    await body.cancel().catch(() => undefined);
    return { tooLarge: true };
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let seen = 0;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      seen += read.value.byteLength;
      if (seen > limitBytes) {
        await reader.cancel().catch(() => undefined);
        return { tooLarge: true };
      }
      chunks.push(read.value);
    }
  } catch (error) {
    return { error };
  }
  return { bytes: Buffer.concat(chunks) };
}

/**
 * The body of a `node:http` answer with its `Content-Encoding` undone, as `fetch` does (gzip,
 * x-gzip, deflate, br); any other encoding is handed on as it came.
 */
export function decodedBody(response: IncomingMessage): Readable {
  const encoding = response.headers['content-encoding']?.trim().toLowerCase();
  const inflate =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : null;
  if (inflate === null) return response;
  response.on('error', (error) => inflate.destroy(error));
  return response.pipe(inflate);
}
