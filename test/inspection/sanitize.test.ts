/** @module Tests for the inspection sanitiser on values no machine here holds, but one could. */
import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { sanitize, sanitizeEvent, toJsonSafe } from '../../services/inspection/index.js';

describe('toJsonSafe', () => {
  it('turns odd values into JSON data and bounds cycles and depth', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 30; i++) deep = { deeper: deep };
    const out = toJsonSafe({
      big: 12n,
      nan: Number.NaN,
      when: new Date(0),
      url: new URL('https://example.com/a'),
      set: new Set([1, 2]),
      map: new Map([['k', 1]]),
      bytes: new Uint8Array(3),
      fn: () => 1,
      sym: Symbol('s'),
      list: [undefined, () => 2],
      cyclic,
      deep,
      klass: new (class Transport {})(),
    }) as Record<string, unknown>;
    expect(out).toMatchObject({
      big: '12',
      nan: null,
      when: '1970-01-01T00:00:00.000Z',
      url: 'https://example.com/a',
      set: [1, 2],
      map: { k: 1 },
      bytes: '[binary 3 bytes]',
      list: [null, null],
      cyclic: { name: 'loop', self: '[Circular]' },
      klass: '[Transport]',
    });
    expect(out).not.toHaveProperty('fn');
    expect(out).not.toHaveProperty('sym');
    expect(JSON.stringify(out.deep)).toContain('[Truncated]');
  });

  it('names actor refs instead of walking into them', () => {
    const ref = createActor(createMachine({ id: 'm' }), { id: 'child-1' });
    expect(toJsonSafe({ children: { a: ref } })).toEqual({ children: { a: '[actor child-1]' } });
  });

  it('survives getters that throw', () => {
    const nasty = {
      get boom(): never {
        throw new Error('no');
      },
    };
    expect(() => toJsonSafe({ nasty })).not.toThrow();
  });
});

describe('sanitize', () => {
  it('scrubs errors, secret keys and secrets in strings', () => {
    const error = Object.assign(new Error('refresh failed: Bearer abc.def.ghi rejected'), {
      headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' },
    });
    const text = JSON.stringify(
      sanitize({ error, apiKey: 'k-1', url: 'http://127.0.0.1:1/cb?code=c0de&state=s7&iss=x' }),
    );
    expect(text).not.toMatch(/abc\.def\.ghi|dXNlcjpwYXNzd29yZA|k-1|c0de|s7/);
    expect(text).toContain('iss=x');
  });

  it('keeps an event type and never returns a non-object event', () => {
    expect(sanitizeEvent({ type: 'auth.login', force: true })).toEqual({
      type: 'auth.login',
      force: true,
    });
    expect(sanitizeEvent('weird')).toEqual({ type: 'unknown' });
  });
});
