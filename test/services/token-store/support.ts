/**
 * @module Shared pieces of the token store tests: record builders, a fixed test key, and a
 * runner for the child-process fixtures (real second processes on the same data dir).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emptyRecord, withTokens } from '../../../machines/upstream/token-record.js';
import type { TokenRecord } from '../../../machines/upstream/token-record.js';
import { serverKey } from '../../../services/server-key.js';

/** A fixed 32-byte test key (hex) and a different one. */
export const KEY_HEX = '0123456789abcdef'.repeat(4);
export const OTHER_KEY_HEX = 'fedcba9876543210'.repeat(4);
export const KEY = Buffer.from(KEY_HEX, 'hex');
export const OTHER_KEY = Buffer.from(OTHER_KEY_HEX, 'hex');

export const GITHUB = serverKey('github', 'https://example.com/mcp');
export const LINEAR = serverKey('linear', 'https://linear.example/mcp');

/** A logged-in record of `key` holding the given tokens. */
export function loggedIn(key: string, accessToken: string, refreshToken = 'rt-1'): TokenRecord {
  const name = key.slice(0, key.lastIndexOf('_'));
  return withTokens(
    emptyRecord(key, name, `https://${name}.example/mcp`),
    {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: refreshToken,
    },
    1_700_000_000_000,
  );
}

/** Output of a finished child process. */
export interface FixtureRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `fixtures/<script>` under `node --import tsx` and resolves when it exits. */
export function runFixture(
  script: string,
  args: string[],
  timeoutMs = 15_000,
): Promise<FixtureRun> {
  const path = fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Parses the last stdout line of a fixture as JSON, failing with its stderr when it crashed. */
export function fixtureResult<T>(run: FixtureRun): T {
  if (run.code !== 0) {
    throw new Error(`fixture exited with ${run.code ?? run.signal}: ${run.stderr}`);
  }
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** Waits until `check` returns true, polling every 20 ms; fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
