/**
 * @module OAuth failures beyond the failure table's `result`: setup failures that are not about the
 * grant (discovery found no metadata, registration was refused, the callback was forged or broken;
 * oauth_status `error`), and a token endpoint that no longer accepts the client (`invalid_client`).
 */
import { OAuthFlowError } from '../errors.js';
import type { RefreshResult } from '../../machines/upstream/token-record.js';

/** An OAuth setup/flow failure that is neither a dead grant nor transient (`oauthError: true`). */
export class OAuthSetupError extends OAuthFlowError {
  readonly oauthError = true;
  constructor(message: string, options?: { cause?: unknown; result?: RefreshResult }) {
    super(options?.result ?? 'failed_other', message, { cause: options?.cause });
  }
}

/**
 * The token endpoint answered `invalid_client`: a dead grant (`failed_invalid_grant`, login
 * required, no retries) whose cause is the client itself (`clientRejected: true`). A dynamically
 * registered client is then stale (the authorization server forgot it) and must not be reused.
 */
export class ClientRejectedError extends OAuthFlowError {
  readonly clientRejected = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super('failed_invalid_grant', message, { cause: options?.cause });
  }
}
