/**
 * @module Errors of the OAuth test server: bad options (one-line user messages) and RFC 6749
 * protocol errors with the JSON response they turn into.
 */

/** A bad option or argument; its message is one line meant for the user. */
export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** RFC 6749 §5.2 error codes (plus RFC 8707 `invalid_target`) this server answers. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_client_metadata'
  | 'invalid_redirect_uri'
  | 'server_error';

/** An OAuth protocol error; `status` is the HTTP status it is answered with. */
export class OAuthError extends Error {
  override name = 'OAuthError';

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: 400 | 401 | 500 = code === 'invalid_client' ? 401 : 400,
  ) {
    super(`${code}: ${description}`);
  }

  /** The RFC 6749 JSON error response (no-store, and a Basic challenge for a failed Basic auth). */
  toResponse(basicChallenge = false): Response {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    };
    if (this.status === 401 && basicChallenge) {
      headers['WWW-Authenticate'] = 'Basic realm="oauth-test-server"';
    }
    const body = { error: this.code, error_description: this.description };
    return new Response(JSON.stringify(body), { status: this.status, headers });
  }
}
