/**
 * @module Shape check of a decoded `TokenRecord`: names the first field that is wrong, so a
 * corrupt record is reported precisely instead of failing later somewhere in a machine.
 */
import type { TokenRecord } from '../../machines/upstream/token-record.js';

const REFRESH_RESULTS = new Set([
  'success',
  'failed_network',
  'failed_invalid_grant',
  'failed_server_error',
  'failed_other',
]);

type Check = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isInteger: Check = (v) => Number.isSafeInteger(v);
const orNull =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);

const hasFields =
  (fields: Record<string, Check>): Check =>
  (v) =>
    isObject(v) && Object.entries(fields).every(([name, check]) => check(v[name]));

const FIELDS: Record<keyof TokenRecord, Check> = {
  server_key: isString,
  name: isString,
  url: orNull(isString),
  generation: (v) => isInteger(v) && (v as number) >= 1,
  tokens: orNull(hasFields({ access_token: isString, token_type: isString })),
  issued_at: orNull(isNumber),
  expires_at: orNull(isNumber),
  refresh_expires_at: orNull(isNumber),
  registration: orNull(hasFields({ client_id: isString })),
  callback_port: orNull(isInteger),
  issuer: orNull(isString),
  scopes: (v) => Array.isArray(v) && v.every(isString),
  last_refresh: orNull(
    hasFields({ result: (r) => typeof r === 'string' && REFRESH_RESULTS.has(r), at: isNumber }),
  ),
  updated_at: isNumber,
};

/**
 * Checks that `value` is a stored `TokenRecord` of `serverKey`. Returns null when it is, else a
 * phrase naming what is wrong ("field expires_at has the wrong type").
 */
export function recordShapeProblem(value: unknown, serverKey: string): string | null {
  if (!isObject(value)) return 'it is not a JSON object';
  for (const [name, check] of Object.entries(FIELDS)) {
    if (!check(value[name])) {
      return name in value ? `field ${name} has the wrong type` : `field ${name} is missing`;
    }
  }
  if (value.server_key !== serverKey) return `it belongs to server key ${String(value.server_key)}`;
  return null;
}
