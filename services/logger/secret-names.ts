/**
 * @module Which keys and query parameters hold secrets. One list, used by the log redactor,
 * REST answers, inspection events and config error messages.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Keys compared after lower-casing and dropping `_` and `-` (`access_token` = `accessToken`). */
const EXACT_KEYS = new Set([
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'registrationaccesstoken',
  'clientsecret',
  'code',
  'codeverifier',
  'password',
  'passwd',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'token',
  'apikey',
  'xapikey',
  'secret',
  'encryptionkey',
  'privatekey',
  'clientassertion',
]);

/** Suffixes that mark a secret whatever the prefix (`GITHUB_TOKEN`, `db_password`). */
const SECRET_SUFFIXES = ['token', 'secret', 'password', 'apikey'];

/** Query/form parameters whose values are secrets (case-insensitive). */
export const SECRET_QUERY_PARAMS = [
  'code',
  'state',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'code_verifier',
  'client_assertion',
  'apikey',
  'api_key',
  'password',
  'token',
  // Common in URLs for API keys and signed links (`?key=…`, `?sig=…`).
  'key',
  'secret',
  'sig',
  'signature',
] as const;

/**
 * Of those, the names that mark a secret in prose too (`… refresh_token=abc`, `--password=x`),
 * not only after `?`, `&`, `#` or `;`: `code`, `state`, `key` and `sig` are common words there.
 */
export const SECRET_TEXT_PARAMS = SECRET_QUERY_PARAMS.filter(
  (name) => !['code', 'state', 'key', 'sig', 'signature'].includes(name),
);

/** Normalizes a key for comparison: lower case, without `_` and `-`. */
function normalize(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/**
 * True when a value stored under `key` is a secret: `access_token`, `Authorization`,
 * `Set-Cookie`, `x-api-key`, `GITHUB_TOKEN` … (case-insensitive, `_`/`-` ignored).
 */
export function isSecretKey(key: string): boolean {
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const k = normalize(key);
  const secret = EXACT_KEYS.has(k) || SECRET_SUFFIXES.some((suffix) => k.endsWith(suffix));
  // Every REST answer and log line asks about the same few dozen keys: remember the verdicts
  // (bounded, so keys taken from data cannot grow it without limit).
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(key, secret);
  return secret;
}

const MAX_VERDICTS = 4096;
const verdicts = new Map<string, boolean>();
