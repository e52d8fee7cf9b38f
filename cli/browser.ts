/**
 * @module Opening the user's browser (SPEC §8): `$BROWSER` as a command line split like a shell
 * would, `%s` replaced by the URL or the URL appended, spawned without a shell and not waited for.
 * `--no-browser`, `HEADLESS` or `NO_BROWSER` only print.
 */
import { spawn } from 'node:child_process';

/** Splits a command line like a POSIX shell would (quotes and backslashes; no expansions). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!))
        current += line[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in $BROWSER`);
  if (inWord) words.push(current);
  return words;
}

/** The argv to run for `url`: `$BROWSER` (with %s) or the platform's opener. */
export function browserCommand(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string[] {
  if (env.BROWSER && env.BROWSER.trim() !== '') {
    const words = splitCommandLine(env.BROWSER);
    return words.some((w) => w.includes('%s'))
      ? words.map((w) => w.replaceAll('%s', url))
      : [...words, url];
  }
  if (platform === 'darwin') return ['open', url];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""', url];
  return ['xdg-open', url];
}

/** Whether the environment asks not to open a browser. */
export function browserDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HEADLESS || env.NO_BROWSER);
}

/** Starts the browser without waiting; resolves false when it could not be started. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  let argv: string[];
  try {
    argv = browserCommand(url, env);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    try {
      const child = spawn(argv[0]!, argv.slice(1), {
        stdio: 'ignore',
        detached: true,
        shell: false,
      });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
