/**
 * @module The headers of an answer that came over node:http, read-only, answering lookups and
 * iteration as a `Headers` built from them would (Fetch standard), without building one.
 */

/** What mcpproxy and the SDK's OAuth code read from an answer's headers; `Headers` has it too. */
export interface AnswerHeaders extends Iterable<[string, string]> {
  /** The value of `name` (any case), several joined with `, `; null when absent. */
  get(name: string): string | null;
  has(name: string): boolean;
  /** Names in lower case, sorted; `set-cookie` once per cookie, as `Headers` iterates. */
  keys(): IterableIterator<string>;
  entries(): IterableIterator<[string, string]>;
  forEach(callback: (value: string, name: string) => void): void;
}

/** A header name as the Fetch standard takes it (an HTTP token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers from Node's `rawHeaders` (names as sent, values in order, duplicates kept). */
export class RawHeaders implements AnswerHeaders {
  /** Lower-case name → its values joined with `, `. */
  readonly #values = new Map<string, string>();
  readonly #cookies: string[] = [];
  #sorted: [string, string][] | null = null;

  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      // Node's parser has stripped the whitespace around the value, as `Headers` would.
      const value = raw[i + 1];
      if (name === 'set-cookie') this.#cookies.push(value);
      const seen = this.#values.get(name);
      this.#values.set(name, seen === undefined ? value : `${seen}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.#values.get(checked('get', name)) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(checked('has', name));
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.#list()) yield name;
  }

  entries(): IterableIterator<[string, string]> {
    return this.#list()[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.#list()) callback(value, name);
  }

  /** The sort-and-combine list `Headers` iterates (Fetch standard), built on first use. */
  #list(): [string, string][] {
    if (this.#sorted) return this.#sorted;
    const list: [string, string][] = [];
    for (const name of [...this.#values.keys()].sort()) {
      if (name === 'set-cookie') for (const cookie of this.#cookies) list.push([name, cookie]);
      else list.push([name, this.#values.get(name)!]);
    }
    this.#sorted = list;
    return list;
  }
}

/** `name` in lower case; throws as `Headers` does for a name that is not a token. */
function checked(method: string, name: string): string {
  if (!TOKEN.test(name))
    throw new TypeError(`Headers.${method}: "${name}" is an invalid header name.`);
  return name.toLowerCase();
}
