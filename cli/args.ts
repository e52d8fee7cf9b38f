/** @module Argument parsing on node:util's parseArgs with usage errors users can act on. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../services/errors.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../services/logger/index.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a string option takes, for "Option --x needs a value (…)". */
const VALUE_HINTS: Record<string, string> = {
  output: 'table or json',
  config: 'a config file',
  'data-dir': 'a directory',
  url: 'the daemon URL, e.g. http://127.0.0.1:8080',
  server: 'a server name',
  timeout: 'a duration like 300s, 5m or 1h',
  listen: 'host:port, e.g. 127.0.0.1:8080',
  'log-level': 'trace, debug, info, warn or error',
  'inspect-url': 'a ws:// URL',
  out: 'a directory',
  'access-token-ttl': 'a duration like 30s or 5m',
};

/** `text` as a sentence: a full stop is added only when it does not end in one already. */
export function sentence(text: string): string {
  const trimmed = text.trimEnd();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Finds a string option given without its value (`-o --config x`, `--server` last,
 * `--timeout -5`) before parseArgs does: its message for these ("argument is ambiguous") does
 * not say what is wrong.
 */
function checkValues(command: string, argv: string[], options: OptionSpec): void {
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) if (spec.short) byShort.set(spec.short, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return;
    let name: string | undefined;
    if (/^--[^=]+$/.test(arg)) name = arg.slice(2);
    else if (/^-[^-]+$/.test(arg)) name = lastShortTakingNext(arg, options, byShort);
    if (name === undefined || !Object.hasOwn(options, name)) continue;
    if (options[name]!.type !== 'string') continue;
    const next = argv[i + 1];
    if (next !== undefined && !(next.startsWith('-') && next.length > 1)) {
      i++; // the value
      continue;
    }
    const flag = arg.startsWith('--') ? arg : `-${options[name]!.short}`;
    const hint = VALUE_HINTS[name];
    const what = `${command}: Option ${flag} needs a value${hint ? ` (${hint})` : ''}`;
    // `--timeout -5`: a value that looks like an option has to be attached to its flag.
    const looksLikeValue = next !== undefined && !isOption(next, options, byShort);
    throw new UsageError(
      looksLikeValue
        ? `${what}; to pass "${next}" write ${flag.startsWith('--') ? `${flag}=${next}` : `${flag}${next}`}.`
        : `${what}. Run "mcpproxy ${command} --help" for usage.`,
    );
  }
}

/**
 * The string option of a short group (`-o`, `-ho`) that takes the next argument as its value:
 * only one at the end of the group (in `-oh`, `h` is the value of `-o`).
 */
function lastShortTakingNext(
  arg: string,
  options: OptionSpec,
  byShort: Map<string, string>,
): string | undefined {
  const chars = arg.slice(1);
  for (let i = 0; i < chars.length; i++) {
    const name = byShort.get(chars[i]!);
    if (name !== undefined && options[name]!.type === 'string')
      return i === chars.length - 1 ? name : undefined;
  }
  return undefined;
}

function isOption(arg: string, options: OptionSpec, byShort: Map<string, string>): boolean {
  if (arg === '-h' || arg === '--help') return true;
  if (arg.startsWith('--')) return Object.hasOwn(options, arg.slice(2).split('=')[0]!);
  return byShort.has(arg.slice(1, 2));
}

/** Whether `argv` asks for help: a `-h` or `--help` of its own before any `--`. */
export function helpRequested(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '-h' || arg === '--help') return true;
  }
  return false;
}

/** Parses `argv` for one command; unknown flags and missing values become `UsageError`s. */
export function parseCommandArgs<T extends OptionSpec>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  const all = { help: { type: 'boolean', short: 'h' }, ...options } as const;
  const config = { args: argv, options: all, allowPositionals, strict: true } as const;
  // Help wins: `-h`/`--help` anywhere before `--` prints the help (exit 0) whatever else is
  // there, so a help request never ends in a usage error.
  if (helpRequested(argv))
    return { values: { help: true }, positionals: [] } as unknown as ReturnType<
      typeof parseArgs<typeof config>
    >;
  checkValues(command, argv, all);
  try {
    return parseArgs(config);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new UsageError(
      `${command}: ${sentence(message)} Run "mcpproxy ${command} --help" for usage.`,
    );
  }
}

/** Parses `--log-level` (default `info`). */
export function parseLogLevel(value: string | undefined): LogLevel {
  const level = value ?? 'info';
  if (!isLogLevel(level))
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${level}").`);
  return level;
}

/** Parses `-o table|json`. */
export function outputFormat(command: string, value: string | undefined): 'table' | 'json' {
  if (value === undefined || value === 'table') return 'table';
  if (value === 'json') return 'json';
  throw new UsageError(`${command}: -o must be "table" or "json" (got "${value}").`);
}

/** The longest duration a flag takes: timers hold at most 2^31-1 ms (≈ 24.8 days). */
const MAX_DURATION_MS = 24 * 3600_000;

/**
 * Parses a duration: a number with `s`, `m` or `h`, or plain seconds (`300s`, `5m`, `1.5h`,
 * `90`), into milliseconds. It must be at least `minMs` (default 1 s) and at most 24 h.
 */
export function parseDuration(flag: string, value: string, minMs = 1000): number {
  const match = /^(\d+(?:\.\d+)?)([smh])?$/.exec(value.trim());
  if (!match)
    throw new UsageError(`${flag} must be a duration like 300s, 5m or 1h (got "${value}").`);
  const factor = { s: 1000, m: 60_000, h: 3600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
  const ms = Math.round(Number(match[1]) * factor);
  if (ms < minMs || ms > MAX_DURATION_MS)
    throw new UsageError(`${flag} must be from ${minMs / 1000}s to 24h (got "${value}").`);
  return ms;
}
