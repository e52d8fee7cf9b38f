/**
 * @module Environment for CLI runs that should "open a browser": `$BROWSER` set to the
 * stand-in script, which records each visit in a JSON-lines file the test reads back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from '../../helpers/proxy-process.js';

const STAND_IN = join(REPO, 'test', 'e2e', 'support', 'browser-stand-in.ts');

/** One visit of the stand-in browser. */
export interface BrowserVisitLine {
  auth_url: string;
  callback_url?: string;
  status?: number;
  error?: string;
}

/**
 * Env that lets the CLI open the stand-in browser (childEnv sets NO_BROWSER by default).
 * `logPath` receives one JSON line per visit.
 */
export function browserEnv(logPath: string): Record<string, string> {
  return {
    NO_BROWSER: '',
    HEADLESS: '',
    BROWSER: `"${process.execPath}" --import tsx "${STAND_IN}" %s`,
    E2E_BROWSER_LOG: logPath,
  };
}

/** The visits recorded so far (none when the file does not exist yet). */
export async function browserVisits(logPath: string): Promise<BrowserVisitLine[]> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as BrowserVisitLine);
}

/** Where a test keeps its browser log: `<dir>/browser.jsonl`. */
export const browserLogIn = (dir: string): string => join(dir, 'browser.jsonl');
