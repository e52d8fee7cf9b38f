/**
 * @module REST input validation: server names (checked before any lookup), JSON object bodies
 * (empty is valid; malformed JSON is a 400 naming the problem), boolean query flags.
 */
import type { Context } from 'hono';
import { BadRequestError } from '../services/errors.js';

/** Server names per SPEC §6 (config validation uses the same rule). */
export const SERVER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Returns `raw` when it is a valid server name; BadRequestError otherwise. */
export function validServerName(raw: string): string {
  if (!SERVER_NAME.test(raw)) {
    throw new BadRequestError("Invalid server name: use 1 to 64 letters, digits, '_', '.' or '-'.");
  }
  return raw;
}

/**
 * Reads the body as a JSON object with only `allowed` fields. An empty body is `{}`; any
 * content type is read as JSON (curl's default form type included).
 */
export async function readJsonObject(
  c: Context,
  allowed: readonly string[],
): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new BadRequestError(`Request body is not valid JSON: ${reason}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('Request body must be a JSON object.');
  }
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const accepted = allowed.length > 0 ? `accepted: ${allowed.join(', ')}` : 'none accepted';
    throw new BadRequestError(
      `Unknown field ${JSON.stringify(unknown[0]!.slice(0, 64))} in the request body (${accepted}).`,
    );
  }
  return body as Record<string, unknown>;
}

/** A boolean query flag: absent → undefined; `true`/`1` or `false`/`0`, else 400. */
export function queryFlag(c: Context, name: string): boolean | undefined {
  const value = c.req.query(name);
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1' || value === '') return true;
  if (value === 'false' || value === '0') return false;
  throw new BadRequestError(`Query parameter "${name}" must be true or false.`);
}

/** A boolean body field: absent → undefined, else it must be a boolean. */
export function bodyFlag(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    throw new BadRequestError(`Field "${name}" must be true or false.`);
  }
  return value;
}
