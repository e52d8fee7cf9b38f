/**
 * @module Finding leaked secrets in captured process output: every value the OAuth test server
 * issues has a recognisable shape (`at_`, `rt_`, `code_`, `secret_` + 32 base64url characters),
 * and a PKCE verifier is found by hashing candidates against the `code_challenge`s that the
 * authorization URLs carried.
 */
import { createHash } from 'node:crypto';

/** Secrets the test server issued: access/refresh tokens, codes, client secrets. */
const ISSUED = /(?<![A-Za-z0-9_-])(?:at|rt|code|secret)_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g;

/** Every substring shaped like a secret the test server issues. */
export function issuedSecretsIn(text: string): string[] {
  return [...text.matchAll(ISSUED)].map((m) => m[0]);
}

/** Which of `values` (known secrets) occur in `text`. */
export function knownValuesIn(text: string, values: readonly string[]): string[] {
  return values.filter((v) => v.length > 0 && text.includes(v));
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * PKCE verifiers (RFC 7636: 43–128 unreserved characters) in `text` whose S256 hash is one of
 * `challenges`. Checks each maximal run of unreserved characters and each 43-character window
 * inside longer runs (the SDK's verifiers are 43 characters).
 */
export function verifiersIn(text: string, challenges: readonly string[]): string[] {
  const wanted = new Set(challenges);
  const found = new Set<string>();
  for (const [run] of text.matchAll(/[A-Za-z0-9._~-]{43,}/g)) {
    if (run.length <= 128 && wanted.has(s256(run))) found.add(run);
    for (let i = 0; i + 43 <= run.length; i++) {
      const window = run.slice(i, i + 43);
      if (wanted.has(s256(window))) found.add(window);
    }
  }
  return [...found];
}

/** The `code_challenge` and `state` of an authorization URL. */
export function authUrlSecrets(authUrl: string): { challenge: string; state: string } {
  const url = new URL(authUrl);
  return {
    challenge: url.searchParams.get('code_challenge') ?? '',
    state: url.searchParams.get('state') ?? '',
  };
}
