/**
 * @module Tokens at rest (SPEC §2, §3b): the key from `$MCPPROXY_ENCRYPTION_KEY` or a 0600 key
 * file created on first run, records unreadable without it, a wrong or malformed key reported in
 * a sentence (never a crash, never the key), and `auth status` never printing a secret. Real
 * `serve` and `auth` processes against the OAuth test server.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { runCli, startProxy, writeConfig } from '../helpers/proxy-process.js';
import { tmpDirs } from '../helpers/tmp-dir.js';
import { serverKey } from '../../services/server-key.js';
import { openLmdbStore } from '../../services/token-store/index.js';
import { isAuthenticated, loginViaDaemon, waitForView } from '../faults/support/daemon-api.js';
import { STARTUP_MS } from '../faults/support/daemon-api.js';

const dirs = tmpDirs('mcpproxy-at-rest-');
/** Each test starts `serve` or `auth` up to four times: bounded generously for a busy machine. */
const PROCESS_TEST_MS = 120_000;
let as: OAuthTestServer;
beforeAll(async () => {
  as = await startOAuthTestServer({ accessTokenTtlS: 3600, rotateRefreshTokens: true });
});
afterAll(async () => {
  await as?.stop();
  await dirs.cleanup();
});

const config = () => ({ mcpServers: { vault: { url: as.mcpUrl, protocol: 'http' } } });
const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Logs `vault` in through a daemon on `dataDir` (`env` for its key), then stops it. */
async function loginOnce(dataDir: string, env: Record<string, string> = {}) {
  const proxy = await startProxy({
    timeoutMs: STARTUP_MS,
    config: config(),
    dataDir,
    env,
    logLevel: 'info',
  });
  try {
    await waitForView(proxy.url, 'vault', (v) => v.state === 'loginRequired');
    await loginViaDaemon(proxy.url, 'vault');
  } finally {
    await proxy.stop();
  }
}

/** The decrypted tokens of `vault` (read with the key, as only mcpproxy can). */
async function storedTokens(dataDir: string, key: Buffer) {
  const store = await openLmdbStore({ dataDir, encryptionKey: key });
  try {
    const result = await store.read(serverKey('vault', as.mcpUrl));
    if (result.status !== 'found') throw new Error(`record ${result.status}`);
    return result.record.tokens!;
  } finally {
    await store.close();
  }
}

describe('the key file of a first run', () => {
  it(
    'is created 0600 with 64 hex characters; data dir and LMDB dir 0700, LMDB files 0600',
    async () => {
      const home = await dirs.make();
      const dataDir = join(home, 'fresh');
      const proxy = await startProxy({
        timeoutMs: STARTUP_MS,
        config: config(),
        dataDir: home,
        args: ['--data-dir', dataDir],
      });
      await proxy.stop();
      expect(await mode(dataDir)).toBe(0o700);
      expect(await mode(join(dataDir, 'mcpproxy.key'))).toBe(0o600);
      expect((await readFile(join(dataDir, 'mcpproxy.key'), 'utf8')).trim()).toMatch(
        /^[0-9a-f]{64}$/,
      );
      expect(await mode(join(dataDir, 'mcpproxy.lmdb'))).toBe(0o700);
      for (const file of await filesUnder(join(dataDir, 'mcpproxy.lmdb')))
        expect(await mode(file)).toBe(0o600);
    },
    PROCESS_TEST_MS,
  );

  it(
    'no file of the data dir contains a token in clear text, and auth status prints none',
    async () => {
      const dataDir = await dirs.make();
      await loginOnce(dataDir);
      const key = Buffer.from(
        (await readFile(join(dataDir, 'mcpproxy.key'), 'utf8')).trim(),
        'hex',
      );
      const tokens = await storedTokens(dataDir, key);
      const secrets = [tokens.access_token, tokens.refresh_token!, key.toString('hex')];
      for (const file of await filesUnder(dataDir)) {
        if (file.endsWith('mcpproxy.key')) continue;
        const bytes = await readFile(file);
        for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), file).toBe(false);
      }
      const configPath = join(dataDir, 'mcp_config.json');
      const runs = await Promise.all(
        [[], ['-o', 'json']].map((args) =>
          runCli(['auth', 'status', '--data-dir', dataDir, '--config', configPath, ...args]),
        ),
      );
      for (const status of runs) {
        expect(status.code).toBe(0);
        expect(status.stdout).toMatch(/vault/);
        expect(status.stdout).toMatch(/authenticated/);
        for (const secret of secrets) expect(status.stdout + status.stderr).not.toContain(secret);
      }
    },
    PROCESS_TEST_MS,
  );
});

describe('$MCPPROXY_ENCRYPTION_KEY', () => {
  it(
    'is used instead of a key file; a different key later is a clear error, not a crash, and the right key recovers',
    async () => {
      const dataDir = await dirs.make();
      const envKey = randomBytes(32).toString('hex');
      await loginOnce(dataDir, { MCPPROXY_ENCRYPTION_KEY: envKey });
      await expect(stat(join(dataDir, 'mcpproxy.key'))).rejects.toThrow(/ENOENT/);
      const tokens = await storedTokens(dataDir, Buffer.from(envKey, 'hex'));

      // Without the variable a new key file is made: the record cannot be opened with it.
      const wrong = await startProxy({
        timeoutMs: STARTUP_MS,
        config: config(),
        dataDir,
        logLevel: 'info',
      });
      try {
        const view = await waitForView(wrong.url, 'vault', (v) => v.state === 'loginRequired');
        expect(view.oauth_status).toBe('error');
        expect(view.health.action).toBe('login');
        expect(view.health.detail).toMatch(/encrypted with a different encryption key/);
        expect((await fetch(`${wrong.url}/healthz`)).status).toBe(200);
        expect(wrong.output()).not.toContain(envKey);
        expect(wrong.output()).not.toContain(tokens.access_token);
      } finally {
        await wrong.stop();
      }
      const configPath = join(dataDir, 'mcp_config.json');
      const status = await runCli([
        'auth',
        'status',
        '--data-dir',
        dataDir,
        '--config',
        configPath,
        '-o',
        'json',
      ]);
      expect(status.code).toBe(0);
      const [row] = JSON.parse(status.stdout) as Array<Record<string, string>>;
      expect(row).toMatchObject({ name: 'vault', oauth_status: 'error' });
      expect(row!.last_error).toMatch(/different encryption key/);

      // The record was left alone: the right key opens it again, no login needed.
      const right = await startProxy({
        timeoutMs: STARTUP_MS,
        config: config(),
        dataDir,
        env: { MCPPROXY_ENCRYPTION_KEY: envKey },
      });
      try {
        await waitForView(right.url, 'vault', isAuthenticated);
      } finally {
        await right.stop();
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'a malformed key stops serve with exit 2 and a sentence naming the variable, not the value',
    async () => {
      const runs = await Promise.all(
        ['abc123', 'z'.repeat(64)].map(async (value) => {
          const dataDir = await dirs.make();
          const configPath = await writeConfig(dataDir, config());
          const result = await runCli(['serve', '--data-dir', dataDir, '--config', configPath], {
            env: { MCPPROXY_ENCRYPTION_KEY: value },
            timeoutMs: 60_000,
          });
          return { value, result };
        }),
      );
      for (const { value, result } of runs) {
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(
          /\$MCPPROXY_ENCRYPTION_KEY must be exactly 64 hexadecimal characters/,
        );
        expect(result.stderr).not.toContain(value);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'a damaged key file is a sentence saying what to do, not a stack trace',
    async () => {
      const dataDir = await dirs.make();
      await writeFile(join(dataDir, 'mcpproxy.key'), 'not a key\n', { mode: 0o600 });
      const configPath = await writeConfig(dataDir, config());
      const result = await runCli(['serve', '--data-dir', dataDir, '--config', configPath], {
        timeoutMs: 60_000,
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/mcpproxy\.key is malformed/);
      expect(result.stderr).toMatch(/Restore the original file or set \$MCPPROXY_ENCRYPTION_KEY/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
    PROCESS_TEST_MS,
  );
});
