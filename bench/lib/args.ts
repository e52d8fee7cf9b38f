/** @module `--name value` options of the bench scripts, with defaults (no parser dependency). */

/** The value after `--name`, or `fallback`. */
export function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1]! : fallback;
}

/** A numeric option. */
export function numberOption(name: string, fallback: number): number {
  const value = Number(option(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number`);
  return value;
}

/** The command line that reproduces this run. */
export function commandLine(script: string): string {
  const args = process.argv.slice(2);
  return ['npx tsx', `bench/${script}.ts`, ...args].join(' ');
}
