/**
 * @module The persisted per-server OAuth record: what the token endpoint returned plus the
 * bookkeeping mcpproxy needs. Pure data, shared by machines/ and the stores in services/.
 */

/** Outcome label of one refresh attempt; also the `result` label of the refresh metrics. */
export type RefreshResult =
  'success' | 'failed_network' | 'failed_invalid_grant' | 'failed_server_error' | 'failed_other';

/** A token endpoint response, stored exactly as received (incl. `issuer` and unknown fields). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  id_token?: string;
  refresh_token_expires_in?: number;
  refresh_expires_in?: number;
  [extra: string]: unknown;
}

/** A client registration (configured, or obtained by RFC 7591 dynamic registration). */
export interface ClientRegistration {
  client_id: string;
  client_secret?: string;
  client_id_issued_at?: number;
  client_secret_expires_at?: number;
  redirect_uris?: string[];
  [extra: string]: unknown;
}

/** The last refresh outcome, kept for health and for `auth status`. */
export interface RefreshOutcome {
  result: RefreshResult;
  /** Wall-clock ms when the attempt ended. */
  at: number;
  error?: string;
  correlation_id?: string;
  /**
   * The client_id the token endpoint rejected (`invalid_client`). When it is the stored dynamic
   * registration, the next login (by the daemon or standalone) registers a new client instead.
   */
  rejected_client_id?: string;
}

/**
 * The refresh outcome a record carries when its tokens are dead: the token endpoint refused
 * its grant (SPEC §3: login required, no retries). Null for a record without tokens (nothing
 * to refuse) and after a successful refresh or a login, which replace the outcome.
 */
export function deadGrantOf(record: TokenRecord | null): RefreshOutcome | null {
  const outcome = record?.last_refresh;
  return record?.tokens && outcome?.result === 'failed_invalid_grant' ? outcome : null;
}

/**
 * One server's record. Times are milliseconds since the epoch on the client clock.
 * `generation` is assigned by the store and grows by one on every committed write; it is what
 * compare-and-swap commits and cross-process change detection compare.
 */
export interface TokenRecord {
  server_key: string;
  name: string;
  url: string | null;
  generation: number;
  tokens: TokenResponse | null;
  issued_at: number | null;
  expires_at: number | null;
  refresh_expires_at: number | null;
  registration: ClientRegistration | null;
  callback_port: number | null;
  /** Authorization server issuer the tokens came from (budget key, `iss` check). */
  issuer: string | null;
  /** Scopes granted so far plus those an `insufficient_scope` answer asked for (step-up). */
  scopes: string[];
  last_refresh: RefreshOutcome | null;
  updated_at: number;
}

/** Builds an empty record for a server that has never logged in. */
export function emptyRecord(serverKey: string, name: string, url: string | null): TokenRecord {
  return {
    server_key: serverKey,
    name,
    url,
    generation: 0,
    tokens: null,
    issued_at: null,
    expires_at: null,
    refresh_expires_at: null,
    registration: null,
    callback_port: null,
    issuer: null,
    scopes: [],
    last_refresh: null,
    updated_at: 0,
  };
}

/**
 * Applies a token endpoint response that arrived at `issuedAt` to a record. A response without
 * a refresh token keeps the old one (RFC 6749 §6); the response itself is stored unchanged
 * otherwise.
 */
export function withTokens(
  record: TokenRecord,
  response: TokenResponse,
  issuedAt: number,
): TokenRecord {
  const previousRefresh = record.tokens?.refresh_token;
  const tokens: TokenResponse =
    response.refresh_token === undefined && previousRefresh !== undefined
      ? { ...response, refresh_token: previousRefresh }
      : { ...response };
  const refreshLifetime = response.refresh_token_expires_in ?? response.refresh_expires_in;
  const rotated =
    response.refresh_token !== undefined && response.refresh_token !== previousRefresh;
  return {
    ...record,
    tokens,
    issued_at: issuedAt,
    expires_at:
      typeof response.expires_in === 'number' ? issuedAt + response.expires_in * 1000 : null,
    refresh_expires_at:
      typeof refreshLifetime === 'number' && refreshLifetime > 0
        ? issuedAt + refreshLifetime * 1000
        : rotated || previousRefresh === undefined
          ? null
          : record.refresh_expires_at,
    issuer: typeof response.issuer === 'string' ? response.issuer : record.issuer,
  };
}
