/**
 * @module The wire between a live connection and its actor: what 401/403 answers and closes mean
 * in each phase (remembered while connecting, reported as `SessionEvent`s once open, ignored
 * after close), each reported once.
 */
import type { SessionEvent } from '../../machines/upstream/upstream.types.js';
import type { ServiceLogger } from '../oauth/index.js';
import type { AuthAnswer } from './upstream-fetch.js';

export type LinkPhase = 'connecting' | 'open' | 'closed';

/** One connection's phase and reporting. */
export class SessionLink {
  phase: LinkPhase = 'connecting';
  /** The last 401/403 seen while connecting (classifies the connect failure). */
  connectAnswer: AuthAnswer | null = null;
  private reportedToken: string | null | undefined;
  private disconnected = false;

  constructor(
    private readonly notify: (event: SessionEvent) => void,
    private readonly logger: ServiceLogger,
  ) {}

  /** Called by the upstream fetch for every 401/403. */
  onAuthAnswer(answer: AuthAnswer): void {
    if (this.phase === 'connecting') {
      this.connectAnswer = answer;
      return;
    }
    if (this.phase !== 'open') return;
    if (answer.status === 401) {
      // Many calls may fail with one expired token: the actor needs to hear it once per token.
      if (this.reportedToken === answer.token) return;
      this.reportedToken = answer.token;
      this.logger.info({ status: 401 }, 'upstream rejected the access token');
      this.notify({ type: 'upstream.unauthorized', reason: 'HTTP 401 at call time' });
    } else if (answer.error === 'insufficient_scope') {
      this.logger.info({ status: 403, scopes: answer.scopes }, 'upstream asked for more scope');
      this.notify({ type: 'upstream.insufficient_scope', scopes: answer.scopes });
    }
  }

  /** The connection is usable: from now on answers become events. */
  open(): void {
    if (this.phase === 'connecting') this.phase = 'open';
  }

  /**
   * Reports a lost connection once (not after `close`); `sessionExpired` when the server ended
   * the MCP session (HTTP 404, or the 400 of servers built like the SDK's example), which the
   * actor replaces at once.
   */
  lost(error: string, options: { sessionExpired?: boolean } = {}): void {
    if (this.phase !== 'open' || this.disconnected) return;
    this.disconnected = true;
    this.phase = 'closed';
    this.logger.info({ error }, 'upstream disconnected');
    this.notify(
      options.sessionExpired
        ? { type: 'upstream.disconnected', error, sessionExpired: true }
        : { type: 'upstream.disconnected', error },
    );
  }

  /** The owner closes the connection: nothing is reported any more. */
  close(): void {
    this.phase = 'closed';
  }
}
