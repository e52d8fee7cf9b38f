/** @module Tests for the CLI's argument helpers: missing values, sentences, durations. */
import { describe, expect, it } from 'vitest';
import { helpRequested, parseCommandArgs, parseDuration, sentence } from '../../cli/args.js';
import { UsageError } from '../../services/errors.js';

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  config: { type: 'string' },
  force: { type: 'boolean' },
} as const;

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandArgs', () => {
  it.each([
    [['-o', '--config', 'x'], 'cmd: Option -o needs a value (table or json). Run'],
    [['--config'], 'cmd: Option --config needs a value (a config file). Run'],
    [['-ho', '--config', 'x'], 'cmd: Option -o needs a value (table or json). Run'],
    [
      ['--config', '-x.json'],
      'cmd: Option --config needs a value (a config file); to pass "-x.json" write --config=-x.json.',
    ],
  ])('%j: says which option needs a value', (argv, says) => {
    const message = usageMessage(() => parseCommandArgs('cmd', argv, OPTIONS));
    expect(message.startsWith(says)).toBe(true);
    expect(message).not.toContain('..');
  });

  it.each([
    [['-oh'], { output: 'h' }],
    [['-o', 'json', '--config=-x.json'], { output: 'json', config: '-x.json' }],
    [['--config', '-'], { config: '-' }],
  ])('%j: values attached or plain still parse', (argv, values) => {
    expect(parseCommandArgs('cmd', argv, OPTIONS).values).toEqual(values);
  });

  it.each([
    [['-h', 'extra']],
    [['--bogus', '--help']],
    [['-o', '--help']],
    [['--config', 'x', 'stray', '-h']],
  ])('%j: help wins over unknown flags, positionals and missing values', (argv) => {
    expect(parseCommandArgs('cmd', argv, OPTIONS).values.help).toBe(true);
  });

  it('takes -h or --help only as a word of its own before --', () => {
    expect(helpRequested(['--', '--help'])).toBe(false);
    expect(helpRequested(['-oh'])).toBe(false);
    expect(helpRequested(['--config=--help'])).toBe(false);
    expect(helpRequested(['-o', 'json', '-h'])).toBe(true);
  });

  it("adds one full stop to parseArgs' own messages", () => {
    const message = usageMessage(() => parseCommandArgs('cmd', ['--force=1'], OPTIONS));
    expect(message).toBe(
      `cmd: Option '--force' does not take an argument. Run "mcpproxy cmd --help" for usage.`,
    );
  });
});

describe('sentence', () => {
  it.each([
    ['Option x is ambiguous.', 'Option x is ambiguous.'],
    ['Unknown option', 'Unknown option.'],
    ['Really? ', 'Really?'],
  ])('%j → %j', (text, expected) => {
    expect(sentence(text)).toBe(expected);
  });
});

describe('parseDuration', () => {
  it.each([
    ['300s', 300_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['90', 90_000],
    ['1.5m', 90_000],
    ['1s', 1000],
    ['24h', 86_400_000],
  ])('%s = %i ms', (text, ms) => {
    expect(parseDuration('--timeout', text)).toBe(ms);
  });

  it.each([
    ['0', 'from 1s to 24h'],
    ['0s', 'from 1s to 24h'],
    ['0.5', 'from 1s to 24h'],
    ['25h', 'from 1s to 24h'],
    ['1ms', 'a duration like 300s, 5m or 1h'],
    ['-5', 'a duration like 300s, 5m or 1h'],
    ['5 m', 'a duration like 300s, 5m or 1h'],
  ])('refuses %j', (text, says) => {
    expect(usageMessage(() => parseDuration('--timeout', text))).toContain(says);
  });

  it('takes a higher floor where a command needs one', () => {
    expect(usageMessage(() => parseDuration('--access-token-ttl', '1s', 2000))).toBe(
      '--access-token-ttl must be from 2s to 24h (got "1s").',
    );
  });
});
