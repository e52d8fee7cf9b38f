/**
 * @module THE one place of SPEC §3's failure table: any error an OAuth call produced becomes an
 * `OAuthFlowError` with its `result`, a sentence for users (no secrets), and `retryAfterMs`;
 * `invalid_client` becomes a `ClientRejectedError` (`clientRejected: true`).
 */
import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { OAuthFlowError } from '../errors.js';
import { redactString } from '../logger/redact-string.js';
import { ClientRejectedError } from './oauth-errors.js';
import { MAX_OAUTH_ANSWER_BYTES } from './oauth-http.js';
import type { HttpExchange } from './oauth-http.js';
import { isAbort, isTimeout, networkProblem } from './network-error.js';
import { formatDelay, parseRetryAfter } from './retry-after.js';

/** OAuth error codes that mean the grant or the client is dead: log in again, no retries. */
const DEAD_GRANT = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);
/** OAuth error codes that say "later", whatever the HTTP status. */
const TRANSIENT = new Set(['temporarily_unavailable', 'too_many_requests']);
/**
 * The longest `Retry-After` honoured: 1 h. A longer one is waited for only this long, so an
 * authorization server's mistaken or hostile value (a date years ahead) cannot park a server for
 * years; SPEC §3's backoff (at most 5 min) applies when it is shorter.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Classifies a failed OAuth call. `exchange` is the HTTP exchange the error is about (the
 * recorder's last one): it supplies the status and `Retry-After` the SDK's errors lack.
 */
export function classifyOAuthFailure(
  error: unknown,
  exchange: HttpExchange | null = null,
  now: number = Date.now(),
): OAuthFlowError {
  if (error instanceof OAuthFlowError) return error;
  const label = exchange?.label ?? 'The authorization server';
  if (exchange?.tooLarge) {
    return new OAuthFlowError(
      'failed_other',
      `${label} answered with more than ${formatBytes(MAX_OAUTH_ANSWER_BYTES)}; no OAuth answer is that large, so it was cut off.`,
      { cause: error },
    );
  }
  if (isAbort(error)) {
    return new OAuthFlowError('failed_other', `${label} request was cancelled.`, { cause: error });
  }
  const network = networkProblem(error) ?? networkProblem(exchange?.error);
  if (network) {
    const text =
      network.kind === 'timeout' || isTimeout(error)
        ? `${label} did not answer within ${formatDelay(exchange?.timeoutMs ?? 30_000)}`
        : `${label} could not be reached: ${network.text}${hostOf(exchange)}`;
    return new OAuthFlowError('failed_network', `${text}.`, { cause: error });
  }
  const code = error instanceof OAuthError ? error.errorCode : null;
  if (code && DEAD_GRANT.has(code)) {
    const message = `${label} rejected the grant: ${code}${description(error)}.`;
    // The client itself is unknown or refused: a stored dynamic registration is stale.
    if (code === 'invalid_client') return new ClientRejectedError(message, { cause: error });
    return new OAuthFlowError('failed_invalid_grant', message, { cause: error });
  }
  const status = exchange?.status ?? statusInMessage(error);
  if ((status !== null && (status >= 500 || status === 429)) || (code && TRANSIENT.has(code))) {
    const asked = parseRetryAfter(exchange?.headers?.get('retry-after'), now);
    const retryAfterMs = asked === null ? null : Math.min(asked, MAX_RETRY_AFTER_MS);
    const wait = asked === null ? '' : ` (${retryAfterText(asked)})`;
    const what = status === null ? `answered ${code}` : `answered HTTP ${status}`;
    return new OAuthFlowError('failed_server_error', `${label} ${what}${wait}.`, {
      cause: error,
      retryAfterMs,
    });
  }
  return new OAuthFlowError(
    'failed_other',
    `${label} ${unexpected(error, code, exchange, status)}.`,
    {
      cause: error,
    },
  );
}

/** `retry after 20s`, or, past the cap, what was asked and what is honoured. */
function retryAfterText(asked: number): string {
  if (asked <= MAX_RETRY_AFTER_MS) return `retry after ${formatDelay(asked)}`;
  const cap = formatDelay(MAX_RETRY_AFTER_MS);
  return `retry after ${cap}, the cap; Retry-After asked for ${formatDelay(asked)}`;
}

/** The sentence tail for a malformed or unexpected answer. */
function unexpected(
  error: unknown,
  code: string | null,
  exchange: HttpExchange | null,
  status: number | null,
): string {
  const http = status === null ? 'answered' : `answered HTTP ${status}`;
  const oauthBody = typeof (exchange?.json as { error?: unknown } | undefined)?.error === 'string';
  if (code && (code !== 'server_error' || oauthBody))
    return `${http}: ${code}${description(error)}`;
  if (
    /text\/html/i.test(exchange?.headers?.get('content-type') ?? '') &&
    exchange?.json === undefined
  ) {
    return `${http} with an HTML page instead of JSON`;
  }
  if (error instanceof SyntaxError) return `${http} with malformed JSON`;
  const missing = zodFields(error);
  if (missing) return `${http} with an unexpected response (missing or invalid: ${missing})`;
  if (code === 'server_error') return `${http} with a body that is not an OAuth answer`;
  const message = error instanceof Error ? error.message : String(error);
  return `failed: ${clip(redactString(message))}`;
}

/** ` (description)` from an OAuth error, scrubbed and clipped. */
function description(error: unknown): string {
  const text = error instanceof Error ? error.message.trim() : '';
  return text ? ` (${clip(redactString(text))})` : '';
}

/** The fields a zod validation error complains about (`access_token, token_type`). */
function zodFields(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== 'ZodError') return null;
  const issues = (error as { issues?: { path?: unknown[] }[] }).issues ?? [];
  const fields = [...new Set(issues.map((i) => (i.path ?? []).join('.') || 'body'))];
  return fields.length > 0 ? fields.join(', ') : 'body';
}

function statusInMessage(error: unknown): number | null {
  const match = error instanceof Error ? /\bHTTP (\d{3})\b/.exec(error.message) : null;
  return match ? Number(match[1]) : null;
}

function hostOf(exchange: HttpExchange | null): string {
  if (!exchange) return '';
  try {
    return ` (${new URL(exchange.url).host})`;
  } catch {
    return '';
  }
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function formatBytes(bytes: number): string {
  return `${Math.round(bytes / 1048576)} MB`;
}
