/**
 * @module Typed readers for the fields of one JSON object. Each reports a wrong value as a
 * problem naming the field and returns a neutral value, so validation goes on.
 */
import { isSecretKey } from '../logger/index.js';
import { got, isObject, quote } from './problems.js';
import type { Problems } from './problems.js';

/** One JSON object being read: where it is (for messages) and how its fields are named. */
export interface Fields {
  readonly p: Problems;
  readonly where: string;
  readonly obj: Record<string, unknown>;
  /** Prefix of field names in messages, e.g. `oauth.`. */
  readonly prefix: string;
}

/** The own value of `key` (JSON objects can carry keys like `constructor`). */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

const name = (f: Fields, key: string): string => quote(`${f.prefix}${key}`);

/** A string field; absent or null → null. */
export function readString(
  f: Fields,
  key: string,
  options: { secret?: boolean; nonEmpty?: boolean } = {},
): string | null {
  const value = own(f.obj, key);
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    f.p.error(f.where, `${name(f, key)} must be a string ${got(value, options.secret)}`);
    return null;
  }
  if (options.nonEmpty && value.trim() === '') {
    f.p.error(f.where, `${name(f, key)} must not be empty: remove it or give a value`);
    return null;
  }
  return value;
}

/** A boolean field; absent or null → null. */
export function readBoolean(f: Fields, key: string): boolean | null {
  const value = own(f.obj, key);
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  f.p.error(f.where, `${name(f, key)} must be true or false ${got(value)}`);
  return null;
}

/** An array of strings; absent or null → []. */
export function readStringArray(f: Fields, key: string): string[] {
  const value = own(f.obj, key);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    f.p.error(f.where, `${name(f, key)} must be an array of strings ${got(value)}`);
    return [];
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item === 'string') out.push(item);
    else f.p.error(f.where, `${name(f, `${key}[${i}]`)} must be a string ${got(item)}`);
  });
  return out;
}

/** An object of string values (env, headers, extra params); absent or null → {}. */
export function readStringMap(
  f: Fields,
  key: string,
  checkKey?: (k: string) => string | null,
): Record<string, string> {
  const value = own(f.obj, key);
  if (value === undefined || value === null) return {};
  if (!isObject(value)) {
    f.p.error(f.where, `${name(f, key)} must be an object of strings ${got(value)}`);
    return {};
  }
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    const keyProblem = checkKey?.(k);
    if (keyProblem) f.p.error(f.where, `${name(f, `${key}.${k}`)} ${keyProblem}`);
    else if (typeof v === 'string') out.push([k, v]);
    else f.p.error(f.where, `${name(f, `${key}.${k}`)} must be a string ${got(v, isSecretKey(k))}`);
  }
  // fromEntries defines properties, so a key like "__proto__" stays an ordinary key.
  return Object.fromEntries(out);
}

/** Warns about keys this object does not use (typos, other clients' settings). */
export function warnUnknownKeys(f: Fields, known: readonly string[]): void {
  for (const key of Object.keys(f.obj)) {
    if (!known.includes(key)) f.p.warn(f.where, `unknown field ${name(f, key)} is ignored`);
  }
}
