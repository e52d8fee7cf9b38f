/**
 * @module Checks of a request to the redirect URI: whether it is this flow's callback at all
 * (`state`, and a `code` or an `error`), then the answer it carries: `iss` (RFC 9207 mix-up
 * defence), an `error`, and the `code`.
 */
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { timingSafeEqual } from 'node:crypto';
import { redactString } from '../logger/redact-string.js';
import { OAuthSetupError } from './oauth-errors.js';

/**
 * Answers why a request to the redirect URI is not this flow's callback, or null when it is. The
 * URL is predictable (a fixed port), so a stale tab, a prefetch or any web page can load it: such a
 * request is answered and ignored, and only the callback carrying this flow's `state` and a `code`
 * or an `error` can end the login.
 */
export function strayCallback(params: URLSearchParams, expectedState: string): string | null {
  if (!params.get('code') && !params.get('error')) {
    return (
      'This request carried no authorization code and no error, so it was ignored. ' +
      'The login in progress still waits for the authorization server to send the browser here.'
    );
  }
  const state = params.get('state');
  if (state === null || !sameSecret(state, expectedState)) {
    return (
      'This request does not belong to the login in progress: its state does not match (a stale ' +
      'browser tab, a prefetch or a forged link), so it was ignored. The login in progress still ' +
      'waits for its own answer from the authorization server.'
    );
  }
  return null;
}

/**
 * Answers what is wrong with this flow's callback (one {@link strayCallback} let through), or
 * null when the code may be redeemed.
 */
export function checkCallback(
  serverName: string,
  params: URLSearchParams,
  metadata: AuthorizationServerMetadata,
): OAuthSetupError | null {
  const fail = (text: string) => new OAuthSetupError(`${serverName}: ${text}`);
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
