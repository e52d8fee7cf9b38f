/**
 * @module Checks of what discovery found, before anything is sent to it: the metadata's `issuer`
 * is the authorization server it was fetched from (RFC 8414 §3.3, OIDC Discovery §4.3: a
 * mismatch is a mix-up or an impostor), the authorization server and its endpoints use HTTPS
 * or loopback HTTP (MCP authorization: credentials never travel in clear text off the machine),
 * and a refresh goes to the AS that issued the tokens.
 */
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { isLoopbackHost } from '../config/index.js';
import { redactString } from '../logger/redact-string.js';
import { OAuthSetupError } from './oauth-errors.js';

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'registration_endpoint'] as const;

const shown = (value: string) => redactString(value).slice(0, 200);

/** Whether `url` is HTTPS, or HTTP to this machine. */
export function isSecureUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || (protocol === 'http:' && isLoopbackHost(hostname));
}

/** Refuses an authorization server URL that is plain HTTP off the machine. */
export function checkAuthorizationServerUrl(serverName: string, url: string): void {
  if (isSecureUrl(url)) return;
  throw new OAuthSetupError(
    `${serverName}: the authorization server ${shown(url)} is not HTTPS (plain HTTP is only ` +
      'accepted on this machine), so mcpproxy will not send credentials to it.',
  );
}

/** Refuses metadata of another issuer, or with endpoints on plain HTTP off the machine. */
export function checkAuthorizationServerMetadata(
  serverName: string,
  authorizationServerUrl: string,
  metadata: AuthorizationServerMetadata,
): void {
  if (!sameIssuer(String(metadata.issuer), authorizationServerUrl)) {
    throw new OAuthSetupError(
      `${serverName}: the metadata fetched from ${shown(authorizationServerUrl)} names the issuer ` +
        `${shown(String(metadata.issuer))}, which is not the authorization server it came from ` +
        '(RFC 8414 §3.3), so mcpproxy will not log in with it.',
    );
  }
  for (const field of ENDPOINTS) {
    const value = metadata[field];
    if (value !== undefined && !isSecureUrl(String(value))) {
      throw new OAuthSetupError(
        `${serverName}: the authorization server's ${field} ${shown(String(value))} is not HTTPS ` +
          '(plain HTTP is only accepted on this machine), so mcpproxy will not send credentials to it.',
      );
    }
  }
}

/**
 * Refuses to refresh with an authorization server other than the one that issued the tokens
 * (the server's metadata changed, or a hostile resource server points elsewhere): the refresh
 * token and client id must never reach another AS. A login is needed (dead grant).
 */
export function checkSameAuthorizationServer(
  serverName: string,
  issuedBy: string | null,
  discovered: string,
): void {
  if (issuedBy === null || sameIssuer(issuedBy, discovered)) return;
  throw new OAuthSetupError(
    `${serverName}: its tokens were issued by ${shown(issuedBy)}, not by ${shown(discovered)} ` +
      'that its metadata names now, so mcpproxy will not send the refresh token there. Log in ' +
      'again to use the new authorization server.',
    { result: 'failed_invalid_grant' },
  );
}

function sameIssuer(a: string, b: string): boolean {
  const norm = (u: string) => (URL.canParse(u) ? new URL(u).href : u).replace(/\/$/, '');
  return norm(a) === norm(b);
}
