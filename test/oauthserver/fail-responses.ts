/**
 * @module What an injected failure does to a token request: the broken answers (500, 503 with
 * Retry-After, bad JSON, an HTML page, no access_token, invalid_grant), hanging until the server
 * stops or the client leaves (`timeout`), or a delay before answering normally (`slow`).
 */
import type { Context } from 'hono';
import { sleep } from './context.js';
import type { ServerContext } from './context.js';
import { OAuthError } from './errors.js';
import type { FailConfig } from './fail.js';
import type { AppEnv } from './log.js';

const HTML_PAGE =
  '<!doctype html><html><head><title>500 Internal Server Error</title></head>' +
  '<body><h1>Internal Server Error</h1><p>The upstream proxy failed (fail mode html).</p></body></html>';

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
  });
}

/**
 * Applies an injected failure to a token request. Answers the failure response, or undefined when
 * the request should go on normally (`slow` after its delay; `no_expires_in` and `expired_token`
 * change the successful answer instead).
 */
export async function injectTokenFailure(
  ctx: ServerContext,
  c: Context<AppEnv>,
  config: FailConfig,
): Promise<Response | undefined> {
  const note = `(fail mode ${config.mode})`;
  const requestGone = AbortSignal.any([ctx.stopSignal, c.req.raw.signal]);
  switch (config.mode) {
    case 'invalid_grant':
      return new OAuthError('invalid_grant', `the grant is no longer valid ${note}`).toResponse();
    case 'server_error':
    case 'flaky':
      return new OAuthError('server_error', `injected failure ${note}`, 500).toResponse();
    case 'unavailable':
      return json(
        { error: 'temporarily_unavailable', error_description: `try later ${note}` },
        503,
        {
          'Retry-After': String(config.retry_after ?? 1),
        },
      );
    case 'malformed':
      return new Response('{"access_token": "at_trunc', {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      });
    case 'html':
      return new Response(HTML_PAGE, {
        status: 500,
        headers: { 'Content-Type': 'text/html; charset=utf-8' },
      });
    case 'no_access_token':
      return json({ token_type: 'Bearer', expires_in: ctx.options.accessTokenTtlS }, 200);
    case 'timeout':
      await new Promise((resolve) =>
        requestGone.addEventListener('abort', resolve, { once: true }),
      );
      c.set('unanswered', true);
      return new Response(null, { status: 504 });
    case 'slow':
      await sleep(config.delay_ms ?? 5000, requestGone);
      return undefined;
    default:
      return undefined;
  }
}
