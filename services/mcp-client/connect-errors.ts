/**
 * @module Why a connect failed, as the machine needs it (`ClassifiedFailure`): 401 → `unauthorized`
 * (refresh or login), 403 insufficient_scope → an OAuth error (login with more scope), network →
 * `failed_network`, anything else → `failed_other`, each with a sentence.
 */
import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { RefreshResult } from '../../machines/upstream/token-record.js';
import type { ClassifiedFailure } from '../../machines/upstream/upstream.types.js';
import {
  InsufficientScopeError,
  UpstreamUnauthorizedError,
  UpstreamUnavailableError,
} from '../errors.js';
import { formatDelay, networkProblem } from '../oauth/index.js';
import type { Scrub } from './config-secrets.js';
import type { AuthAnswer } from './upstream-fetch.js';

/** A connect failure that is not about credentials. */
export class UpstreamConnectError extends UpstreamUnavailableError implements ClassifiedFailure {
  readonly result: RefreshResult;
  constructor(result: RefreshResult, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.result = result;
  }
}

/** The upstream answered 401 at connect: new credentials are needed. */
export class UpstreamAuthError extends UpstreamUnauthorizedError implements ClassifiedFailure {
  readonly result: RefreshResult = 'failed_other';
  readonly unauthorized = true;
}

/** The upstream answered 403 insufficient_scope at connect: a login with more scope is needed. */
export class UpstreamScopeError extends InsufficientScopeError implements ClassifiedFailure {
  readonly result: RefreshResult = 'failed_other';
  readonly oauthError = true;
}

/** What the connect attempt knows besides the error. */
export interface ConnectContext {
  name: string;
  /** The entry or record says OAuth. */
  oauthKnown: boolean;
  authAnswer: AuthAnswer | null;
  timeoutMs: number;
  /** Last lines the stdio server wrote to stderr. */
  stderrTail: string[];
  /** Scrubs the upstream's text: its configuration values and generic secrets. */
  scrub: Scrub;
}

/**
 * Classifies a failed connect; never includes a token, nor a configuration value of the entry
 * (quoted text goes through `ctx.scrub`).
 */
export function classifyConnectFailure(
  error: unknown,
  ctx: ConnectContext,
): ClassifiedFailure & Error {
  const { name, authAnswer } = ctx;
  if (authAnswer?.status === 401) {
    const oauth = ctx.oauthKnown || authAnswer.resourceMetadata;
    if (oauth) {
      const message = authAnswer.token
        ? `${name} rejected the access token (HTTP 401)`
        : ctx.oauthKnown
          ? `${name} requires an OAuth access token (HTTP 401)`
          : `${name} requires OAuth (HTTP 401 pointing to protected-resource metadata)`;
      return new UpstreamAuthError(message);
    }
    return new UpstreamConnectError(
      'failed_other',
      `${name} answered HTTP 401 Unauthorized; check the headers configured for it.`,
    );
  }
  if (authAnswer?.status === 403 && authAnswer.error === 'insufficient_scope') {
    const scopes = authAnswer.scopes;
    return new UpstreamScopeError(
      `${name} requires the scope ${scopes.join(' ') || '(unspecified)'} (insufficient_scope); log in again to grant it.`,
      scopes,
    );
  }
  const network = networkProblem(error);
  if (network) {
    const text =
      network.kind === 'timeout'
        ? `${name} did not answer within ${formatDelay(ctx.timeoutMs)}`
        : `${name} could not be reached: ${network.text}`;
    return new UpstreamConnectError('failed_network', `${text}.`, { cause: error });
  }
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new UpstreamConnectError(
      'failed_network',
      `${name} did not complete the MCP handshake within ${formatDelay(ctx.timeoutMs)}${tail(ctx)}.`,
      { cause: error },
    );
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return new UpstreamConnectError(
      'failed_other',
      `${name} closed the connection during the MCP handshake${tail(ctx)}.`,
      { cause: error },
    );
  }
  const spawn = (error as NodeJS.ErrnoException | null)?.code;
  if (spawn === 'ENOENT' || spawn === 'EACCES') {
    return new UpstreamConnectError(
      'failed_other',
      `${name}: the command could not be started (${spawn === 'ENOENT' ? 'not found' : 'permission denied'}).`,
      { cause: error },
    );
  }
  const status = (error as { code?: unknown } | null)?.code;
  if (typeof status === 'number' && status >= 400 && status < 600) {
    return new UpstreamConnectError(
      'failed_other',
      `${name} answered HTTP ${status} to the MCP handshake.`,
      {
        cause: error,
      },
    );
  }
  const invalid = invalidAnswer(error);
  if (invalid) {
    return new UpstreamConnectError(
      'failed_other',
      `${name} answered the MCP handshake with ${clip(ctx.scrub(invalid))}${tail(ctx)}.`,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamConnectError(
    'failed_other',
    `${name}: connect failed: ${clip(ctx.scrub(message))}${tail(ctx)}.`,
    { cause: error },
  );
}

/**
 * What was wrong with an answer the SDK could not take: a schema's issues (zod's multi-line dump
 * of them is no health detail), or JSON that does not parse. Null for other errors.
 */
function invalidAnswer(error: unknown): string | null {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const first = issues[0] as { path?: PropertyKey[]; message?: string };
    const where = first.path?.length ? first.path.map(String).join('.') : 'the answer';
    const more = issues.length > 1 ? `, and ${issues.length - 1} more` : '';
    return `an invalid message (${where}: ${first.message ?? 'invalid'}${more})`;
  }
  if (error instanceof SyntaxError) return `invalid JSON (${error.message})`;
  return null;
}

function tail(ctx: ConnectContext): string {
  const last = ctx.stderrTail.at(-1);
  return last ? ` (stderr: ${clip(ctx.scrub(last))})` : '';
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
