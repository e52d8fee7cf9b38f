/** @module The events an upstream actor accepts (dot.case, SPEC §4) and the ones it sends its parent. */
import type { RefresherReport } from './refresher.js';
import type { TokenRecord } from './token-record.js';
import type { SessionEvent, UpstreamEntry } from './upstream.types.js';

/** Commands from users (REST, CLI, page) and from the supervisor. */
export type UpstreamCommand =
  | { type: 'auth.login'; force?: boolean }
  | { type: 'auth.logout' }
  | { type: 'upstream.restart' }
  | { type: 'upstream.enable' }
  | { type: 'upstream.disable' }
  | { type: 'upstream.stop' }
  | { type: 'config.updated'; entry: UpstreamEntry };

/** Answers of the supervisor to `token.issued`, and changes made elsewhere. */
export type StoreAnswer =
  | { type: 'token.persisted'; record: TokenRecord }
  | { type: 'token.persist_failed'; error: string; current: TokenRecord | null }
  | { type: 'token.external'; record: TokenRecord | null }
  | { type: 'clock.jumped' }
  /** The earlier-only refresh jitter changed (servers started or stopped sharing an issuer). */
  | { type: 'jitter.updated'; jitter: number }
  | { type: 'store.availability'; available: boolean };

/** Reported by the login actor while the flow runs. */
export type LoginProgress =
  { type: 'login.url'; authUrl: string } | { type: 'login.registered'; record: TokenRecord };

export type UpstreamEvent =
  UpstreamCommand | StoreAnswer | LoginProgress | SessionEvent | RefresherReport;

/**
 * Emitted by an upstream actor (`actor.on('refresh.outcome', …)`) with the event that ended a
 * refresh attempt — `refresh.done`, `refresh.failed`, or the `token.persist_failed` of its commit —
 * just before the snapshot that event produced reaches the actor's subscribers. The observer
 * (services/observer) writes the refresh log lines and metrics from the pair.
 */
export type UpstreamEmitted = { type: 'refresh.outcome'; event: UpstreamEvent };

/**
 * Why a record is written: CAS on refresh and on a refresh outcome (the tokens' grant was
 * refused), plain put on login/registration.
 */
export type IssueKind = 'refresh' | 'outcome' | 'login' | 'registration';

/** Events an upstream actor sends to its parent (the supervisor). */
export type UpstreamToParent =
  | {
      type: 'token.issued';
      name: string;
      kind: IssueKind;
      record: TokenRecord;
      /** For `refresh`: the generation whose refresh token was redeemed (CAS). */
      expectedGeneration: number | null;
      correlationId: string;
    }
  | { type: 'token.cleared'; name: string; serverKey: string; generation: number | null };
