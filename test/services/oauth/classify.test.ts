/**
 * Classification table of SPEC §3, fed with real HTTP answers from a local server through the
 * SDK's `refreshAuthorization` and the recording fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { classifyOAuthFailure } from '../../../services/oauth/classify.js';
import { createOAuthHttp } from '../../../services/oauth/oauth-http.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { pickFreePort } from '../../../services/oauth/redirect.js';
import { answer, startTinyServer } from './tiny-server.js';
import type { Handler, TinyServer } from './tiny-server.js';

const REFRESH_TOKEN = 'rt-very-secret-value';
let server: TinyServer;

beforeAll(async () => {
  server = await startTinyServer();
});
afterAll(async () => {
  await server.stop();
});

/** Runs one refresh against `url` and classifies what it threw. */
async function refreshFailure(url: string, timeoutMs = 30_000) {
  const http = createOAuthHttp({ logger: silentLogger, timeoutMs });
  const error = await refreshAuthorization(url, {
    clientInformation: { client_id: 'client-1' },
    refreshToken: REFRESH_TOKEN,
    fetchFn: http.fetchFor('Token endpoint'),
  }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).not.toBeNull();
  return classifyOAuthFailure(error, http.last(), Date.parse('2030-01-01T00:00:00Z'));
}

async function classifyAnswer(handler: Handler) {
  server.handle(handler);
  return refreshFailure(server.url);
}

describe('classifyOAuthFailure', () => {
  it.each([
    ['invalid_grant', 400],
    ['invalid_client', 401],
    ['unauthorized_client', 400],
  ])('%s (HTTP %i) is a dead grant', async (code, status) => {
    const failure = await classifyAnswer(
      answer(status, { error: code, error_description: 'nope' }),
    );
    expect(failure.result).toBe('failed_invalid_grant');
    expect(failure.message).toBe(`Token endpoint rejected the grant: ${code} (nope).`);
  });

  it.each([
    ['invalid_client', 401, true],
    ['invalid_grant', 400, false],
    ['unauthorized_client', 400, false],
  ])('only invalid_client marks the client itself as rejected (%s)', async (code, status, mark) => {
    const failure = await classifyAnswer(
      answer(status, { error: code, error_description: 'unknown client' }),
    );
    expect(failure.result).toBe('failed_invalid_grant');
    expect((failure as { clientRejected?: boolean }).clientRejected === true).toBe(mark);
  });

  it('a 5xx, a network failure or a malformed answer is never a client rejection', async () => {
    const failures = [
      await classifyAnswer(answer(500, { error: 'server_error' })),
      await classifyAnswer(answer(200, '{not json')),
      await refreshFailure(`http://127.0.0.1:${await pickFreePort()}/token`),
    ];
    for (const failure of failures) {
      expect((failure as { clientRejected?: boolean }).clientRejected).toBeUndefined();
    }
  });

  it('HTTP 500 is a server error without retry-after', async () => {
    const failure = await classifyAnswer(answer(500, { error: 'server_error' }));
    expect(failure).toMatchObject({ result: 'failed_server_error', retryAfterMs: null });
    expect(failure.message).toBe('Token endpoint answered HTTP 500.');
  });

  it('HTTP 503 with Retry-After seconds carries the delay', async () => {
    const failure = await classifyAnswer(
      answer(503, { error: 'temporarily_unavailable' }, { 'Retry-After': '20' }),
    );
    expect(failure).toMatchObject({ result: 'failed_server_error', retryAfterMs: 20_000 });
    expect(failure.message).toBe('Token endpoint answered HTTP 503 (retry after 20s).');
  });

  it('HTTP 503 with a Retry-After HTTP-date carries the delay from now', async () => {
    const failure = await classifyAnswer(
      answer(503, 'busy', { 'Retry-After': 'Tue, 01 Jan 2030 00:02:00 GMT' }),
    );
    expect(failure).toMatchObject({ result: 'failed_server_error', retryAfterMs: 120_000 });
    expect(failure.message).toBe('Token endpoint answered HTTP 503 (retry after 2m).');
  });

  it('a Retry-After HTTP-date years ahead is honoured for 1 h only, and the message says so', async () => {
    const failure = await classifyAnswer(
      answer(503, 'busy', { 'Retry-After': 'Wed, 21 Oct 2037 07:28:00 GMT' }),
    );
    expect(failure).toMatchObject({ result: 'failed_server_error', retryAfterMs: 3_600_000 });
    expect(failure.message).toBe(
      'Token endpoint answered HTTP 503 (retry after 1h, the cap; Retry-After asked for 2850d 7h).',
    );
  });

  it.each([
    ['3600', 3_600_000],
    ['3601', 3_600_000],
    ['999999999999999999999999', 3_600_000],
    ['3599', 3_599_000],
  ])('Retry-After %s seconds is honoured for %i ms', async (value, ms) => {
    const failure = await classifyAnswer(answer(429, 'slow down', { 'Retry-After': value }));
    expect(failure.retryAfterMs).toBe(ms);
  });

  it('HTTP 429 is a server error', async () => {
    const failure = await classifyAnswer(answer(429, 'slow down', { 'Retry-After': '5' }));
    expect(failure).toMatchObject({ result: 'failed_server_error', retryAfterMs: 5000 });
  });

  it('malformed JSON with HTTP 200 is failed_other and names the problem', async () => {
    const failure = await classifyAnswer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token": "at_tr'),
    );
    expect(failure.result).toBe('failed_other');
    expect(failure.message).toBe('Token endpoint answered HTTP 200 with malformed JSON.');
    expect(failure.message).not.toContain('at_tr');
  });

  it('an HTML page with HTTP 200 is failed_other', async () => {
    const failure = await classifyAnswer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>'),
    );
    expect(failure.result).toBe('failed_other');
    expect(failure.message).toBe(
      'Token endpoint answered HTTP 200 with an HTML page instead of JSON.',
    );
  });

  it('an HTML error page with HTTP 502 is a server error', async () => {
    const failure = await classifyAnswer((_req, res) =>
      res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html>bad gateway</html>'),
    );
    expect(failure.result).toBe('failed_server_error');
  });

  it('a token answer without access_token is failed_other naming the field', async () => {
    const failure = await classifyAnswer(answer(200, { token_type: 'Bearer', expires_in: 60 }));
    expect(failure.result).toBe('failed_other');
    expect(failure.message).toContain('missing or invalid: access_token');
  });

  it('an unknown OAuth error on HTTP 400 is failed_other with its code', async () => {
    const failure = await classifyAnswer(answer(400, { error: 'invalid_scope' }));
    expect(failure.result).toBe('failed_other');
    expect(failure.message).toBe('Token endpoint answered HTTP 400: invalid_scope.');
  });

  it('connection refused on a closed port is a network failure', async () => {
    const port = await pickFreePort();
    const failure = await refreshFailure(`http://127.0.0.1:${port}`);
    expect(failure.result).toBe('failed_network');
    expect(failure.message).toBe(
      `Token endpoint could not be reached: connection refused (127.0.0.1:${port}).`,
    );
  });

  it('a server that never answers times out as a network failure', async () => {
    server.handle(() => undefined);
    const failure = await refreshFailure(server.url, 200);
    expect(failure.result).toBe('failed_network');
    expect(failure.message).toBe('Token endpoint did not answer within 200ms.');
  });

  it.each([
    ['declared in Content-Length', true],
    ['streamed without a length', false],
  ])('an answer over 1 MB (%s) is cut off and failed_other', async (_how, declared) => {
    const failure = await classifyAnswer((_req, res) => {
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(declared ? { 'content-length': String(8 * chunk.length) } : {}),
      });
      for (let i = 0; i < 8; i += 1) res.write(chunk);
      res.end();
    });
    expect(failure.result).toBe('failed_other');
    expect(failure.message).toMatch(/^Token endpoint answered with more than 1 MB/);
  });

  it('an answer whose body stops coming times out as a network failure', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":');
    });
    const failure = await refreshFailure(server.url, 200);
    expect(failure.result).toBe('failed_network');
    expect(failure.message).toBe('Token endpoint did not answer within 200ms.');
  });

  it('no message ever contains the refresh token', async () => {
    const failure = await classifyAnswer(answer(400, `refresh_token=${REFRESH_TOKEN}`));
    expect(failure.message).not.toContain(REFRESH_TOKEN);
  });
});
