/**
 * @module Types of the upstream machine: its input, context, and the contracts of the actors
 * that services/ injects (connect, refresh, login, session).
 */
import type { RefreshResult, TokenRecord } from './token-record.js';

export type Protocol = 'http' | 'sse' | 'stdio' | 'auto';

/** OAuth settings of a config entry (SPEC §2). */
export interface OAuthEntry {
  client_id: string | null;
  client_secret: string | null;
  scopes: string[];
  redirect_uri: string | null;
  extra_params: Record<string, string>;
}

/** One upstream server as configured (pure data; services/config produces it). */
export interface UpstreamEntry {
  name: string;
  protocol: Protocol;
  url: string | null;
  command: string | null;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  headers: Record<string, string>;
  enabled: boolean;
  oauth: OAuthEntry | null;
}

/** Global refresh settings (SPEC §3). */
export interface RefreshSettings {
  /** Fraction of the lifetime after which a token is refreshed (default 0.8). */
  threshold: number;
  /** Minimum spacing of two refresh attempts of one server, ms (default 10 000). */
  minIntervalMs: number;
}

/**
 * The environment a machine reads instead of globals: wall-clock time (the SimulatedClock in
 * tests) and correlation ids. Pure functions as far as the machine is concerned.
 */
export interface MachineEnv {
  now(): number;
  newId(): string;
}

/** A tool as the upstream listed it (JSON-safe). */
export interface ToolInfo {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  title?: string;
  /** Passed through to clients as listed (MCP `icons`, `_meta`). */
  icons?: Array<Record<string, unknown>>;
  _meta?: Record<string, unknown>;
}

/** A progress notification of a running call (MCP `notifications/progress` params). */
export interface CallProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** A live MCP session with an upstream, owned by the actor while it is usable. */
export interface UpstreamSession {
  /** `onProgress`: the upstream's progress notifications of this call, as they come. */
  callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    options?: { signal?: AbortSignal; onProgress?: (progress: CallProgress) => void },
  ): Promise<Record<string, unknown>>;
  listTools(): Promise<ToolInfo[]>;
  close(): Promise<void>;
}

/** Events a live session reports to its actor. */
export type SessionEvent =
  | { type: 'upstream.unauthorized'; reason?: string }
  | { type: 'upstream.insufficient_scope'; scopes: string[] }
  /**
   * The connection was lost. `sessionExpired`: the server ended the MCP session (HTTP 404 to a
   * request carrying its id, or 400 "No valid session ID"); the MCP spec asks the client to
   * start a new one at once.
   */
  | { type: 'upstream.disconnected'; error: string; sessionExpired?: boolean }
  | { type: 'upstream.tools_changed'; tools: ToolInfo[] };

/** A failure as every injected actor reports it (services' `OAuthFlowError` has this shape). */
export interface ClassifiedFailure {
  result: RefreshResult;
  message: string;
  retryAfterMs?: number | null;
  /** Connect failed with 401: the server wants (new) OAuth credentials. */
  unauthorized?: boolean;
  /** The failure is an OAuth failure that is not a dead grant (discovery, registration). */
  oauthError?: boolean;
  /** The token endpoint answered `invalid_client`: it no longer accepts the client itself. */
  clientRejected?: boolean;
}

export interface ConnectInput {
  entry: UpstreamEntry;
  serverKey: string;
  record: TokenRecord | null;
  /** The current access token, read from the actor at request time (the actor refreshes). */
  accessToken: () => string | null;
  notify: (event: SessionEvent) => void;
}
export interface ConnectOutput {
  session: UpstreamSession;
  tools: ToolInfo[];
}

export interface RefreshInput {
  entry: UpstreamEntry;
  serverKey: string;
  record: TokenRecord;
  correlationId: string;
  attempt: number;
}
/**
 * `issued`: a new token to persist (through the supervisor) before use.
 * `adopted`: a newer record another process already committed (lost race): use it as is.
 */
export type RefreshOutput =
  | { kind: 'issued'; record: TokenRecord; redeemedGeneration: number }
  | { kind: 'adopted'; record: TokenRecord };

export interface LoginInput {
  entry: UpstreamEntry;
  serverKey: string;
  record: TokenRecord | null;
  correlationId: string;
  /** Scopes to request beyond the configured ones (step-up). */
  extraScopes: string[];
  /**
   * The client_id of a stored registration the token endpoint rejected (`invalid_client`): the
   * login must not reuse it and registers a new client (same redirect URI). Null: reuse as usual.
   */
  rejectedClientId: string | null;
  onAuthUrl: (authUrl: string) => void;
  /** Persist a registration/callback port as soon as it exists (stable redirect URI). */
  onRegistered: (record: TokenRecord) => void;
}
export interface LoginOutput {
  record: TokenRecord;
}

/** Input the supervisor gives each upstream child. */
export interface UpstreamInput {
  entry: UpstreamEntry;
  serverKey: string;
  record: TokenRecord | null;
  /** Set when the stored record exists but cannot be read. */
  recordError: string | null;
  settings: RefreshSettings;
  /** Earlier-only refresh jitter as a fraction of the lifetime (0 ≤ j ≤ 0.05). */
  jitter: number;
  env: MachineEnv;
}

/** A flow (login or refresh) in progress, as REST shows it. */
export interface FlowInfo {
  kind: 'login' | 'refresh';
  correlationId: string;
  authUrl: string | null;
  startedAt: number;
}

/**
 * What only the upstream machine reads: refresh pacing, the token awaiting its commit, a load
 * error. One field, so the context stays at 19 properties: XState copies the context with
 * `Object.assign` on every `assign`, and V8 makes a copy of 20 or more properties a dictionary
 * (≈ 10 µs a copy instead of 0.6 µs, and slower reads of every field).
 */
export interface UpstreamInternal {
  /** Set when the stored record exists but cannot be read. */
  recordError: string | null;
  /** The token endpoint's Retry-After for the next attempt. */
  retryAfterMs: number | null;
  /** When the last refresh attempt began (`min_interval_s` counts from it). */
  lastAttemptAt: number | null;
  /** Refresh as soon as the rate limit allows (401, clock jump, startup). */
  refreshNow: boolean;
  /** Set while a committed-but-not-yet-acknowledged token is in flight. */
  pending: TokenRecord | null;
  /**
   * The dynamically registered client_id the token endpoint rejected (`invalid_client`), until a
   * committed record proves a working client. In memory only: after a restart the next refresh
   * with the stale client is rejected again and sets it again.
   */
  rejectedClientId: string | null;
}

export interface UpstreamContext {
  entry: UpstreamEntry;
  serverKey: string;
  settings: RefreshSettings;
  jitter: number;
  env: MachineEnv;
  /** Whether the server uses OAuth (configured, or discovered by a 401). */
  oauth: boolean;
  record: TokenRecord | null;
  session: UpstreamSession | null;
  tools: ToolInfo[];
  /** Consecutive failures n (0 after a success); backoff n-th wait = min(10 s·2^n, 300 s). */
  failures: number;
  nextRetryAt: number | null;
  lastError: string | null;
  lastResult: RefreshResult | null;
  /** Why the server is parked in loginRequired (health detail). */
  loginReason: string | null;
  /**
   * Why the latest login on a working server failed (it went on with its stored tokens, so the
   * reconnect clears `lastError`); null once a login starts.
   */
  loginError: string | null;
  /** An OAuth error that is not a dead grant (oauth_status `error`). */
  oauthError: string | null;
  flow: FlowInfo | null;
  /** Scopes an `insufficient_scope` answer asked for, to add on the next login. */
  stepUpScopes: string[];
  internal: UpstreamInternal;
  /** Whether the token store answers (health: "Token store unavailable"). */
  storeAvailable: boolean;
}
