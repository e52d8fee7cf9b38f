/**
 * @module Scrubs secrets out of free text: URL query/form parameters, URL passwords, bearer and
 * basic credentials, and `"key":"value"` pairs of JSON embedded in a string.
 */
import { REDACTED, SECRET_QUERY_PARAMS, SECRET_TEXT_PARAMS, isSecretKey } from './secret-names.js';

const PARAM_RE = new RegExp(
  `(^|[?&#;])(${SECRET_QUERY_PARAMS.join('|')})=([^&#\\s"'<>\\\\]*)`,
  'gi',
);
/** The unambiguous names after white space, `(`, `,` or an option's dashes (`--password=x`). */
const TEXT_PARAM_RE = new RegExp(
  `([\\s(,]|^-{1,2}|[\\s(,]-{1,2})(${SECRET_TEXT_PARAMS.join('|')})=([^&#\\s"'<>\\\\,;)]*)`,
  'gi',
);

/** `scheme://user:password@host`: the password is everything up to the last `@` of the authority. */
const USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@"'<>]*):([^\s/?#"'<>]*)@/gi;

/** An auth-param (`realm="x"`, `error=invalid_token`) is not a credential: keep challenges readable. */
const NOT_AUTH_PARAM = '(?![A-Za-z_][\\w-]*=(?:"|[A-Za-z0-9]))';
const BEARER_RE = new RegExp(`\\b(Bearer|DPoP)\\s+${NOT_AUTH_PARAM}[^\\s"',;]+`, 'gi');
const BASIC_RE = new RegExp(
  `\\b(Basic)\\s+${NOT_AUTH_PARAM}(?=[A-Za-z0-9+/]*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9+/]{6,}={0,2}`,
  'g',
);

const JSON_PAIR_RE = /"([\w-]{1,64})"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;

/**
 * Returns `s` with secrets replaced by `[REDACTED]`: the values of `code`, `state`,
 * `access_token`, `refresh_token`, `client_secret`, `apikey`, `password` … query or form
 * parameters; the password of `scheme://user:password@host`; `Bearer <token>`; `Basic <b64>`;
 * and secret-named string fields of JSON text (`"refresh_token":"…"`). Idempotent.
 */
export function redactString(s: string): string {
  if (!MAY_HOLD_SECRET.test(s)) return s;
  if (clean.has(s)) return s;
  const out = scrub(s);
  // REST answers and logs repeat the same harmless strings (states, summaries, dates): remember
  // those that needed nothing. Only clean strings are kept, so no secret is held here; bounded.
  if (out === s && s.length <= MAX_CLEAN_LENGTH) {
    if (clean.size >= MAX_CLEAN) clean.clear();
    clean.add(s);
  }
  return out;
}

/**
 * Every pattern `scrub` replaces needs one of these: `=` (parameters), `@` (URL passwords),
 * white space (`Bearer …`, `Basic …`) or `"` (JSON pairs). Ids, times and names have none: they
 * pass with one scan, never hashed into `clean` (most are unique: correlation ids, timestamps).
 */
const MAY_HOLD_SECRET = /[=@"\s]/;

const MAX_CLEAN = 8192;
const MAX_CLEAN_LENGTH = 256;
const clean = new Set<string>();

function scrub(s: string): string {
  let out = s;
  if (out.includes('=')) {
    out = out
      .replace(PARAM_RE, (_m, sep, name) => `${sep}${name}=${REDACTED}`)
      .replace(TEXT_PARAM_RE, (_m, sep, name) => `${sep}${name}=${REDACTED}`);
  }
  if (out.includes('@')) out = out.replace(USERINFO_RE, `$1:${REDACTED}@`);
  if (/bearer|dpop|basic/i.test(out)) {
    out = out.replace(BEARER_RE, `$1 ${REDACTED}`).replace(BASIC_RE, `$1 ${REDACTED}`);
  }
  if (out.includes('"')) {
    // `code` is exempt here: in embedded JSON it is almost always an error code (`{"code":"…"}`).
    out = out.replace(JSON_PAIR_RE, (match, key: string, colon: string) =>
      key.toLowerCase() !== 'code' && isSecretKey(key) ? `"${key}"${colon}"${REDACTED}"` : match,
    );
  }
  return out;
}
