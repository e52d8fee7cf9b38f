/** @module Types of cli/build.js (plain JavaScript: it runs before any TypeScript can). */

/**
 * The `file:` URL of the compiled `<root>/cli/main.ts`, building it first when it is missing or
 * stale. `root` defaults to this package.
 */
export function compiledEntry(root?: string): Promise<string>;
