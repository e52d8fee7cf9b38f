/**
 * @module JSON text → value, with what `JSON.parse` does not say: the line:column and the
 * enclosing path of a syntax error, and keys that appear twice in one object.
 */

/** A key written twice in one object; JSON.parse keeps the last. */
export interface DuplicateKey {
  path: (string | number)[];
  key: string;
  line: number;
  column: number;
}

export type JsonTextResult =
  | {
      ok: true;
      value: unknown;
      duplicates: DuplicateKey[];
      /**
       * Key order as written, for objects at depth 0 and 1, by `JSON.stringify(path)`:
       * JavaScript objects list integer-like keys first, which would reorder `{"b":…,"1":…}`.
       */
      keyOrder: Map<string, string[]>;
    }
  | { ok: false; message: string; line: number; column: number; path: string };

const MAX_NESTING = 200;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly path: string,
  ) {
    super(message);
  }
}

/** Renders a path as `mcpServers[1].args` (keys that are not identifiers as `["my key"]`). */
export function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(part)) return i === 0 ? part : `.${part}`;
      return `[${JSON.stringify(part)}]`;
    })
    .join('');
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Parses JSON text (a leading BOM is ignored). Never throws: a syntax error comes back with
 * its line, column and the path of the value being read.
 */
export function parseJsonText(text: string): JsonTextResult {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const scanner = new Scanner(src);
  try {
    scanner.document();
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return {
      ok: false,
      message: error.message,
      path: error.path,
      ...lineColumn(src, error.offset),
    };
  }
  try {
    return {
      ok: true,
      value: JSON.parse(src),
      duplicates: scanner.duplicates,
      keyOrder: scanner.keyOrder,
    };
  } catch (error) {
    // The scanner accepts exactly JSON; this is only a safety net.
    return { ok: false, message: String((error as Error).message), line: 1, column: 1, path: '' };
  }
}

class Scanner {
  private i = 0;
  private readonly path: (string | number)[] = [];
  readonly duplicates: DuplicateKey[] = [];
  readonly keyOrder = new Map<string, string[]>();

  constructor(private readonly s: string) {}

  document(): void {
    this.ws();
    if (this.i >= this.s.length)
      this.fail('the file is empty: write {} for a configuration with no servers');
    this.value(0);
    this.ws();
    if (this.i < this.s.length) this.fail('unexpected text after the end of the JSON document');
  }

  private fail(message: string, offset = this.i): never {
    throw new JsonSyntaxError(message, offset, formatPath(this.path));
  }

  private unexpected(expected: string): never {
    const c = this.s[this.i];
    if (c === undefined) this.fail(`unexpected end of file: ${expected}`);
    if (c === "'") this.fail('strings and property names must use double quotes');
    this.fail(`${expected} (found ${JSON.stringify(c)})`);
  }

  private ws(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.i++;
      else if (c === '/' && (this.s[this.i + 1] === '/' || this.s[this.i + 1] === '*')) {
        this.fail('comments are not allowed in JSON');
      } else return;
    }
  }

  private value(depth: number): void {
    if (depth > MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING} levels`);
    const c = this.s[this.i];
    if (c === '{') this.object(depth);
    else if (c === '[') this.array(depth);
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else if (!['true', 'false', 'null'].some((word) => this.literal(word))) {
      this.unexpected('expected a value (object, array, string, number, true, false or null)');
    }
  }

  private object(depth: number): void {
    this.i++;
    this.ws();
    const order: string[] | undefined = this.path.length <= 1 ? [] : undefined;
    if (order) this.keyOrder.set(JSON.stringify(this.path), order);
    if (this.s[this.i] === '}') return void this.i++;
    const seen = new Set<string>();
    for (;;) {
      if (this.s[this.i] !== '"') this.unexpected('expected a property name in double quotes');
      const start = this.i;
      const key = this.string();
      if (seen.has(key)) {
        this.duplicates.push({ path: [...this.path], key, ...lineColumn(this.s, start) });
      } else order?.push(key);
      seen.add(key);
      this.path.push(key);
      this.ws();
      if (this.s[this.i] !== ':') this.unexpected('expected ":" after the property name');
      this.i++;
      this.ws();
      this.value(depth + 1);
      this.path.pop();
      if (this.separator('}')) return;
    }
  }

  private array(depth: number): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') return void this.i++;
    for (let index = 0; ; index++) {
      this.path.push(index);
      this.value(depth + 1);
      this.path.pop();
      if (this.separator(']')) return;
    }
  }

  /** After a member: `,` (then more) or the closing bracket (returns true). */
  private separator(close: '}' | ']'): boolean {
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return true;
    }
    if (this.s[this.i] !== ',') this.unexpected(`expected "," or "${close}"`);
    const comma = this.i++;
    this.ws();
    if (this.s[this.i] === close)
      this.fail(`trailing comma: remove the "," before "${close}"`, comma);
    return false;
  }

  private string(): string {
    const start = this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('unterminated string', start);
      if (c === '"') break;
      if (c < ' ') this.fail('control character (e.g. a line break) inside a string: escape it');
      if (c === '\\') {
        const e = this.s[this.i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else this.fail('invalid escape sequence in string');
      } else this.i++;
    }
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }

  private number(): void {
    NUMBER_RE.lastIndex = this.i;
    const match = NUMBER_RE.exec(this.s);
    if (!match) this.fail('invalid number');
    this.i += match[0].length;
    if (/[0-9.eE]/.test(this.s[this.i] ?? '')) this.fail('invalid number');
  }

  private literal(word: string): boolean {
    if (!this.s.startsWith(word, this.i)) return false;
    this.i += word.length;
    return true;
  }
}
