/** @module Tests for `redact`: secret keys at every depth, errors, cycles, depth bound. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/errors.js';
import { MAX_REDACT_DEPTH, redact } from '../../../services/logger/index.js';

const SECRET = 'SeCrEt-4f9a2c';

/** Wraps `inner` in `depth` layers, alternating objects, arrays and header maps. */
function nest(inner: unknown, depth: number): unknown {
  let value = inner;
  for (let i = 1; i < depth; i++) {
    if (i % 3 === 0) value = [0, value];
    else if (i % 3 === 1) value = { level: i, child: value };
    else value = { headers: { 'Content-Type': 'application/json' }, body: value };
  }
  return value;
}

const dump = (value: unknown): string => JSON.stringify(redact(value));

describe('redact: secret keys', () => {
  const keys = [
    'access_token',
    'refresh_token',
    'id_token',
    'client_secret',
    'code',
    'code_verifier',
    'password',
    'authorization',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'token',
    'api_key',
    'apikey',
    'X-API-Key',
    'secret',
    'accessToken',
    'refreshToken',
    'GITHUB_TOKEN',
    'registration_access_token',
  ];
  it.each(keys)('replaces the value of %s', (key) => {
    expect(redact({ [key]: SECRET })).toEqual({ [key]: '[REDACTED]' });
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('finds a refresh_token at depth %i', (depth) => {
    const value = nest({ refresh_token: SECRET, expires_in: 3600 }, depth);
    const out = dump(value);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('"refresh_token":"[REDACTED]"');
    expect(out).toContain('"expires_in":3600');
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('finds an Authorization header at depth %i', (depth) => {
    const out = dump(
      nest({ headers: { Authorization: `Bearer ${SECRET}`, Accept: '*/*' } }, depth),
    );
    expect(out).not.toContain(SECRET);
    expect(out).toContain('"Accept":"*/*"');
  });

  it('redacts a whole object or array stored under a secret key', () => {
    expect(redact({ token: { value: SECRET }, cookie: [SECRET] })).toEqual({
      token: '[REDACTED]',
      cookie: '[REDACTED]',
    });
  });

  it('keeps non-secret fields, null secrets and boolean flags', () => {
    const view = {
      name: 'github',
      state: 'authenticated.refreshScheduled',
      oauth_status: 'authenticated',
      token_expires_at: '2026-11-24T14:30:00Z',
      tool_count: 3,
      client_secret: null,
      has_refresh_token: true,
    };
    expect(redact(view)).toEqual(view);
  });

  it('keeps error codes (number, or next to a message) but not an OAuth code', () => {
    expect(redact({ error: { code: 'not_found', message: 'Unknown server' } })).toEqual({
      error: { code: 'not_found', message: 'Unknown server' },
    });
    expect(redact({ code: -32000 })).toEqual({ code: -32000 });
    expect(redact({ code: SECRET, state: 'abc' })).toEqual({ code: '[REDACTED]', state: 'abc' });
  });

  it('handles real Headers and Maps', () => {
    const headers = new Headers({ authorization: `Bearer ${SECRET}`, 'x-trace': '1' });
    const map = new Map<string, unknown>([
      ['set-cookie', SECRET],
      ['ok', 'yes'],
    ]);
    expect(redact({ headers, map })).toEqual({
      headers: { authorization: '[REDACTED]', 'x-trace': '1' },
      map: { 'set-cookie': '[REDACTED]', ok: 'yes' },
    });
  });

  it('scrubs strings anywhere, not only under secret keys', () => {
    const out = dump({ events: [{ url: `https://as.example/cb?code=${SECRET}&state=${SECRET}` }] });
    expect(out).not.toContain(SECRET);
    expect(out).toContain('code=[REDACTED]&state=[REDACTED]');
  });

  it('does not modify its input', () => {
    const input = { a: { access_token: SECRET } };
    redact(input);
    expect(input.a.access_token).toBe(SECRET);
  });
});

describe('redact: structure', () => {
  it('replaces cycles with [Circular] and keeps shared references', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared, token: SECRET };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, { deeper: cyclic }];
    expect(redact(cyclic)).toEqual({
      shared: { n: 1 },
      again: { n: 1 },
      token: '[REDACTED]',
      self: '[Circular]',
      list: ['[Circular]', { deeper: '[Circular]' }],
    });
  });

  it('bounds the depth instead of recursing without end', () => {
    let deep: unknown = { access_token: SECRET };
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    const out = dump(deep);
    expect(out).toContain('[Truncated]');
    expect(out).not.toContain(SECRET);
    expect(out.split('"next"').length - 1).toBe(MAX_REDACT_DEPTH);
  });

  it('survives getters that throw and binary data', () => {
    const odd = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(redact({ odd, bytes: Buffer.from(SECRET) })).toEqual({
      odd: { boom: '[Unreadable]' },
      bytes: `[binary ${SECRET.length} bytes]`,
    });
  });
});

describe('redact: errors', () => {
  it('serializes an error as type, scrubbed message and code, without stack', () => {
    const err = Object.assign(new Error(`GET https://h/cb?code=${SECRET} failed`), {
      code: 'ECONNRESET',
    });
    expect(redact(err)).toEqual({
      type: 'Error',
      message: 'GET https://h/cb?code=[REDACTED] failed',
      code: 'ECONNRESET',
    });
  });

  it('keeps the ProxyError class name and code', () => {
    expect(redact(new ConfigError('bad'))).toEqual({
      type: 'ConfigError',
      message: 'bad',
      code: 'config_invalid',
    });
  });

  it('redacts causes and extra fields, and keeps a scrubbed stack only when asked', () => {
    const cause = Object.assign(new Error('inner'), { refresh_token: SECRET });
    const err = new Error(`outer Bearer ${SECRET}`, { cause });
    const plain = redact(err) as Record<string, unknown>;
    expect(plain.stack).toBeUndefined();
    expect(JSON.stringify(plain)).not.toContain(SECRET);
    expect(plain.cause).toEqual({ type: 'Error', message: 'inner', refresh_token: '[REDACTED]' });
    const traced = redact(err, { includeStack: true }) as Record<string, unknown>;
    expect(traced.stack).toEqual(expect.stringContaining('Bearer [REDACTED]'));
    expect(JSON.stringify(traced)).not.toContain(SECRET);
  });
});
