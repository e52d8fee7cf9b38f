/**
 * @module The PostgreSQL store URL: checked once, and described without its password
 * (`postgres://user:***@host:5432/db`) for every log line and error sentence.
 */
import { StoreError } from '../errors.js';

/** What may be said about a store URL: no password, ever. */
export interface PostgresTarget {
  /** `host:port`, as used in outage sentences. */
  hostPort: string;
  /** The URL with the password replaced by `***` and without query parameters. */
  redacted: string;
  /** The password (or '' when none), only so that messages can be scrubbed of it. */
  secret: string;
}

const DEFAULT_PORT = '5432';

/** Parses a `postgres://` or `postgresql://` URL; `StoreError` (without the URL's secrets) if not. */
export function describePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreError(
      'The token store URL is not a valid URL: use postgres://user:password@host:5432/database.',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StoreError(
      `The token store URL must start with postgres:// or postgresql://, not ${parsed.protocol}//.`,
    );
  }
  const socketHost = parsed.searchParams.get('host');
  const host = parsed.hostname || socketHost || 'localhost';
  const hostPort = `${host}:${parsed.port || DEFAULT_PORT}`;
  const user = parsed.username ? decodeURIComponent(parsed.username) : '';
  const secret = parsed.password ? decodeURIComponent(parsed.password) : '';
  const userInfo = user === '' ? '' : `${user}${secret === '' ? '' : ':***'}@`;
  const path = parsed.pathname === '/' ? '' : parsed.pathname;
  return {
    hostPort,
    redacted: `${parsed.protocol}//${userInfo}${parsed.host || host}${path}`,
    secret,
  };
}

/** Replaces every occurrence of the URL's password (raw or URL-encoded) in `text` with `***`. */
export function scrubSecret(text: string, target: PostgresTarget): string {
  if (target.secret === '') return text;
  let out = text;
  for (const form of new Set([target.secret, encodeURIComponent(target.secret)])) {
    out = out.split(form).join('***');
  }
  return out;
}
