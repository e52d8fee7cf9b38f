/**
 * @module The *shape* of an HTTP body for debug logs: JSON keys or a size, never a value, so a
 * token response can be logged as `{ access_token, token_type, expires_in }` without its secrets.
 */

/** Keys of a JSON object (sorted), `array(n)`, or a short description of a non-JSON body. */
export function bodyShape(text: string, contentType: string | null): unknown {
  if (text.length === 0) return 'empty';
  const json = parseJson(text);
  if (json === undefined) return `${mediaType(contentType)} (${text.length} bytes)`;
  return jsonShape(json);
}

/** Shape of a request body the SDK sent: form parameter names or JSON keys. */
export function requestBodyShape(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  if (body instanceof URLSearchParams) return [...new Set(body.keys())].sort();
  if (typeof body === 'string') {
    const json = parseJson(body);
    if (json !== undefined) return jsonShape(json);
    if (/^[\w.-]+=/.test(body)) return [...new Set(new URLSearchParams(body).keys())].sort();
    return `text (${body.length} bytes)`;
  }
  return 'binary';
}

/** JSON.parse that answers undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function jsonShape(json: unknown): unknown {
  if (Array.isArray(json)) return `array(${json.length})`;
  if (json !== null && typeof json === 'object') return Object.keys(json).sort();
  return typeof json;
}

function mediaType(contentType: string | null): string {
  return contentType?.split(';')[0]?.trim() || 'unknown type';
}
