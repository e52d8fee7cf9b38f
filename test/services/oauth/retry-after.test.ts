/** `Retry-After` parsing and the human rendering of delays in messages, as tables. */
import { describe, expect, it } from 'vitest';
import { formatDelay, parseRetryAfter } from '../../../services/oauth/retry-after.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    [null, null],
    ['', null],
    ['soon', null],
    ['-5', null],
    ['20', 20_000],
    [' 7 ', 7_000],
    ['Tue, 01 Jan 2030 00:02:00 GMT', 120_000],
    ['Mon, 31 Dec 2029 23:00:00 GMT', 0],
    ['9'.repeat(400), Number.MAX_SAFE_INTEGER],
  ])('%s gives %s ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

describe('formatDelay', () => {
  it.each([
    [250, '250ms'],
    [1_000, '1s'],
    [20_000, '20s'],
    [59_001, '1m'],
    [125_000, '2m 5s'],
    [3_599_000, '59m 59s'],
    [3_600_000, '1h'],
    [5_430_000, '1h 30m'],
    [86_400_000, '1d'],
    [(3 * 86_400 + 4 * 3_600 + 59) * 1000, '3d 4h'],
    [344_032_969_000, '3981d 20h'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDelay(ms)).toBe(text);
  });
});
