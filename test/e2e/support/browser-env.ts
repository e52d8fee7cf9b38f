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

/**
 * The visits recorded, once there are at least `atLeast` (bounded: 5 s). The stand-in writes its
 * line after the callback page answered, which can be just after the login it completed ended.
 */
export async function browserVisits(logPath: string, atLeast = 1): Promise<BrowserVisitLine[]> {
  let visits: BrowserVisitLine[] = [];
  for (let i = 0; i < 100; i++) {
    const text = await readFile(logPath, 'utf8').catch(() => '');
    // Complete lines only: one may be read while it is being appended.
    visits = text
      .split('\n')
      .slice(0, -1)
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as BrowserVisitLine);
    if (visits.length >= atLeast) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return visits;
}

/** Where a test keeps its browser log: `<dir>/browser.jsonl`. */
export const browserLogIn = (dir: string): string => join(dir, 'browser.jsonl');
