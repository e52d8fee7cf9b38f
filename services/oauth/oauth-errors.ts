/**
 * @module OAuth failures that are not about the grant: discovery found no metadata, registration
 * was refused, the callback was forged or broken. The machine shows them as oauth_status `error`.
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
