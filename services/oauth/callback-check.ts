/**
 * @module Checks of the authorization response at the redirect URI: an `error` answer, `state`
 * (CSRF), `iss` (RFC 9207 mix-up defence) and the presence of `code`.
 */
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { timingSafeEqual } from 'node:crypto';
import { redactString } from '../logger/redact-string.js';
import { OAuthSetupError } from './oauth-errors.js';

/** Answers what is wrong with the callback's parameters, or null when the code may be redeemed. */
export function checkCallback(
  serverName: string,
  params: URLSearchParams,
  expectedState: string,
  metadata: AuthorizationServerMetadata,
): OAuthSetupError | null {
  const fail = (text: string) => new OAuthSetupError(`${serverName}: ${text}`);
  const state = params.get('state');
  if (state === null || !sameSecret(state, expectedState)) {
    return fail(
      'the OAuth callback carried a wrong state (a stale browser tab or a forged request), so the ' +
        'login was not completed. Start the login again.',
    );
  }
  const iss = params.get('iss');
  // RFC 9207 §2.4: an AS that announces `iss` must send it; a missing one is then a mix-up sign.
  const issRequired =
    (metadata as Record<string, unknown>).authorization_response_iss_parameter_supported === true;
  if (iss !== null ? !sameIssuer(iss, metadata.issuer) : issRequired) {
    return fail(
      `the OAuth callback came from issuer ${iss === null ? '(none)' : redactString(iss).slice(0, 200)}, ` +
        `not ${metadata.issuer} (RFC 9207 check), so the login was not completed.`,
    );
  }
  const error = params.get('error');
  if (error !== null) {
    const description = params.get('error_description');
    const detail = description ? ` (${redactString(description).slice(0, 200)})` : '';
    return fail(`the authorization server answered ${redactString(error).slice(0, 60)}${detail}.`);
  }
  if (!params.get('code')) return fail('the OAuth callback carried no authorization code.');
  return null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function sameIssuer(a: string, b: string): boolean {
  const norm = (u: string) => (URL.canParse(u) ? new URL(u).href : u).replace(/\/$/, '');
  return norm(a) === norm(b);
}
