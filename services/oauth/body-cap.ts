/**
 * @module A bound on how much of one HTTP answer is read: the body is counted as it streams and
 * cut off past the limit, so a hostile or broken server (an upstream MCP server, an authorization
 * server) cannot make the proxy hold and parse an answer of any size. JSON and SSE alike.
 */

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
