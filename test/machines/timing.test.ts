import { describe, expect, it } from 'vitest';
import { emptyRecord, withTokens } from '../../machines/upstream/token-record.js';
import { backoffMs, clampDelay, MAX_TIMER_MS, refreshAt } from '../../machines/upstream/timing.js';

describe('backoffMs', () => {
  it.each([
    [0, 10_000],
    [1, 20_000],
    [2, 40_000],
    [3, 80_000],
    [4, 160_000],
    [5, 300_000],
    [6, 300_000],
    [20, 300_000],
  ])('failure n=%i waits %i ms', (n, expected) => {
    expect(backoffMs(n)).toBe(expected);
  });

  it('uses Retry-After when it is longer than the backoff', () => {
    expect(backoffMs(0, 45_000)).toBe(45_000);
    expect(backoffMs(3, 45_000)).toBe(80_000);
  });
});

describe('refreshAt', () => {
  const record = (ttl: number | undefined) =>
    withTokens(
      emptyRecord('k', 'n', null),
      { access_token: 'a', token_type: 'Bearer', expires_in: ttl },
      1_000_000,
    );

  it.each([
    [3600, 0.8, 0, 1_000_000 + 2_880_000],
    [180, 0.8, 0, 1_000_000 + 144_000],
    [100, 0.5, 0, 1_000_000 + 50_000],
    [100, 0.8, 0.05, 1_000_000 + 75_000],
  ])('ttl %is threshold %f jitter %f → %i', (ttl, threshold, jitter, expected) => {
    expect(refreshAt(record(ttl), threshold, jitter)).toBe(expected);
  });

  it('is null for a token without expires_in (treated as not expiring)', () => {
    expect(refreshAt(record(undefined), 0.8)).toBeNull();
  });

  it('clamps waits to what a timer can hold', () => {
    expect(clampDelay(-5)).toBe(0);
    expect(clampDelay(1e12)).toBe(MAX_TIMER_MS);
  });
});

describe('withTokens', () => {
  it('keeps the old refresh token when the response has none and stores the response unchanged', () => {
    const first = withTokens(
      emptyRecord('k', 'n', null),
      {
        access_token: 'a1',
        token_type: 'Bearer',
        expires_in: 60,
        refresh_token: 'r1',
        issuer: 'https://as',
      },
      0,
    );
    const second = withTokens(
      first,
      { access_token: 'a2', token_type: 'Bearer', expires_in: 60 },
      1000,
    );
    expect(second.tokens).toMatchObject({ access_token: 'a2', refresh_token: 'r1' });
    expect(first.tokens?.issuer).toBe('https://as');
    expect(second.expires_at).toBe(61_000);
  });

  it('stores the refresh token lifetime when the AS states one', () => {
    const r = withTokens(
      emptyRecord('k', 'n', null),
      {
        access_token: 'a',
        token_type: 'Bearer',
        expires_in: 60,
        refresh_token: 'r',
        refresh_token_expires_in: 86_400,
      },
      0,
    );
    expect(r.refresh_expires_at).toBe(86_400_000);
  });
});
