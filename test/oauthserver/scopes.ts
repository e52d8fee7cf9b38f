/** @module OAuth scope strings: parsing a space-separated scope and checking it against a list. */

/** Splits a space-separated scope string into unique scope tokens. */
export function parseScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter((s) => s !== ''))];
}

/** The scopes in `requested` that are not in `allowed`. */
export function scopesOutside(requested: string[], allowed: readonly string[]): string[] {
  return requested.filter((s) => !allowed.includes(s));
}
