/**
 * @module Collects every config problem (one line each, naming the file, the entry and the
 * field) so the user fixes them all in one pass; warnings are the non-fatal remarks.
 */
import { ConfigError } from '../errors.js';
import { redactString } from '../logger/index.js';

/** Problems and warnings about one config file (or `--listen` / environment value). */
export class Problems {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  constructor(readonly file: string) {}

  /** Records a fatal problem at `where` (an entry like `mcpServers[2] ("github")`, or ''). */
  error(where: string, message: string): void {
    this.errors.push(this.line(where, message));
  }

  /** Records a non-fatal remark. */
  warn(where: string, message: string): void {
    this.warnings.push(this.line(where, message));
  }

  /** Records a fatal problem with a value from elsewhere (`--listen`, `$MCPPROXY_STORE_URL`). */
  errorFrom(source: string, message: string): void {
    this.errors.push(`${source}: ${message}`);
  }

  /** Throws one `ConfigError` listing every recorded problem, one per line. */
  throwIfAny(): void {
    if (this.errors.length > 0) throw new ConfigError(this.errors.join('\n'));
  }

  private line(where: string, message: string): string {
    return where ? `${this.file}: ${where}: ${message}` : `${this.file}: ${message}`;
  }
}

/**
 * Describes a bad value for an error message: `(got "htp")`, `(got 42)`, `(got an array)`.
 * Secret fields only say their type; strings are scrubbed and shortened.
 */
export function got(value: unknown, secret = false): string {
  return `(got ${describe(value, secret)})`;
}

function describe(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string': {
      if (secret) return 'a string';
      const text = redactString(value);
      return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
    }
    case 'number':
    case 'boolean':
      return secret ? `a ${typeof value}` : String(value);
    default:
      return typeof value;
  }
}

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `"field"` as written in messages; nested fields joined with dots (`"oauth.scopes"`). */
export function quote(field: string): string {
  return `"${field}"`;
}
