/** @module Argument parsing on node:util's parseArgs with usage errors users can act on. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../services/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` for one command; unknown flags and missing values become `UsageError`s. */
export function parseCommandArgs<T extends OptionSpec>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${command}: ${message}. Run "mcpproxy ${command} --help" for usage.`);
  }
}

/** Parses `-o table|json`. */
export function outputFormat(command: string, value: string | undefined): 'table' | 'json' {
  if (value === undefined || value === 'table') return 'table';
  if (value === 'json') return 'json';
  throw new UsageError(`${command}: -o must be "table" or "json" (got "${value}").`);
}

/** Parses a duration like `300s`, `5m`, `1h` or plain seconds into milliseconds. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match)
    throw new UsageError(`${flag} must be a duration like 300s, 5m or 1h (got "${value}").`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3600_000;
  return Math.round(n * factor);
}
