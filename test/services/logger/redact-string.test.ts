/** @module Tests for `redactString`: secrets inside free text. */
import { describe, expect, it } from 'vitest';
import { redactString } from '../../../services/logger/index.js';

describe('redactString', () => {
  it.each([
    [
      'https://as.example/callback?code=abc123&state=xyz&iss=https%3A%2F%2Fas',
      'https://as.example/callback?code=[REDACTED]&state=[REDACTED]&iss=https%3A%2F%2Fas',
    ],
    [
      'https://api.example/mcp?apikey=k1&page=2#frag',
      'https://api.example/mcp?apikey=[REDACTED]&page=2#frag',
    ],
    [
      'http://127.0.0.1:8080/api/v1/servers?APIKEY=k1',
      'http://127.0.0.1:8080/api/v1/servers?APIKEY=[REDACTED]',
    ],
    [
      'https://h/cb#access_token=at&token_type=bearer',
      'https://h/cb#access_token=[REDACTED]&token_type=bearer',
    ],
    [
      'grant_type=refresh_token&refresh_token=rt-1&client_id=c&client_secret=cs',
      'grant_type=refresh_token&refresh_token=[REDACTED]&client_id=c&client_secret=[REDACTED]',
    ],
    [
      'code=c1&code_verifier=v1&password=p1',
      'code=[REDACTED]&code_verifier=[REDACTED]&password=[REDACTED]',
    ],
    [
      'https://maps.example/api?key=AIzaKEY42&sig=s1g&q=x',
      'https://maps.example/api?key=[REDACTED]&sig=[REDACTED]&q=x',
    ],
    ['server said refresh_token=rt-9 is gone', 'server said refresh_token=[REDACTED] is gone'],
    ['--password=hunter2', '--password=[REDACTED]'],
    [
      'run with -token=t1, then (client_secret=cs)',
      'run with -token=[REDACTED], then (client_secret=[REDACTED])',
    ],
    // In prose, the ambiguous names stay readable.
    ['exit code=1 in state=ready, server_key=gh_0', 'exit code=1 in state=ready, server_key=gh_0'],
  ])('redacts secret query and form parameters: %s', (input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it.each([
    [
      'postgres://mcp:hunter2@db.internal:5432/mcp',
      'postgres://mcp:[REDACTED]@db.internal:5432/mcp',
    ],
    ['store postgresql://u:p@ss@h/db down', 'store postgresql://u:[REDACTED]@h/db down'],
    ['https://user:pw@example.com/x', 'https://user:[REDACTED]@example.com/x'],
  ])('redacts URL passwords: %s', (input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it.each([
    ['Authorization: Bearer eyJhbGciOi.abc.def', 'Authorization: Bearer [REDACTED]'],
    ['header "bearer abc123" sent', 'header "bearer [REDACTED]" sent'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [REDACTED]'],
    ['Authorization: Basic Y2xpZW50OnNlY3JldA==', 'Authorization: Basic [REDACTED]'],
  ])('redacts credentials after an auth scheme: %s', (input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it('keeps WWW-Authenticate challenges readable', () => {
    const challenge =
      'Bearer realm="mcp", error="invalid_token", resource_metadata="https://h/.well-known/oauth-protected-resource"';
    expect(redactString(challenge)).toBe(challenge);
    expect(redactString('Basic realm="x"')).toBe('Basic realm="x"');
    expect(redactString('Basic authentication failed')).toBe('Basic authentication failed');
  });

  it('redacts secret fields of JSON embedded in a string, not error codes', () => {
    const body = 'HTTP 200: {"access_token":"at1","refresh_token":"rt\\"1","expires_in":60}';
    expect(redactString(body)).toBe(
      'HTTP 200: {"access_token":"[REDACTED]","refresh_token":"[REDACTED]","expires_in":60}',
    );
    const error = 'HTTP 404: {"code":"not_found","message":"x"}';
    expect(redactString(error)).toBe(error);
  });

  it.each([
    ['Authorization:\tBearer\tabc123', 'Authorization:\tBearer [REDACTED]'],
    ['Bearer\nabc123', 'Bearer [REDACTED]'],
    ['Basic\u00a0dXNlcjpwYXNz', 'Basic [REDACTED]'],
  ])('redacts a credential after any white space, not only a space: %j', (input, expected) => {
    // Strings without `=`, `@`, `"` or white space skip the scan: none of the patterns fits them.
    expect(redactString(input)).toBe(expected);
  });

  it('returns ids, times and names unchanged, as the same string', () => {
    for (const s of [
      '00000000-0000-4000-8000-000000000001',
      '2026-11-26T07:00:00.000Z',
      'github',
    ]) {
      expect(redactString(s)).toBe(s);
    }
  });

  it('leaves ordinary text alone and is idempotent', () => {
    const text = 'upstream state=connected, 3 tools, token refresh at 14:30 (code path ok)';
    expect(redactString(text)).toBe(text);
    const once = redactString('https://h/?code=a&state=b Bearer c postgres://u:p@h');
    expect(redactString(once)).toBe(once);
  });
});
