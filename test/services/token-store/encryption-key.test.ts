/** @module Loading the record encryption key: environment, key file, modes, concurrent creation. */
import { readdir, readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../../services/errors.js';
import { loadEncryptionKey } from '../../../services/token-store/encryption-key.js';
import { tmpDirs } from '../../helpers/tmp-dir.js';
import { fixtureResult, KEY_HEX, runFixture } from './support.js';

const dirs = tmpDirs('mcpproxy-key-');
afterEach(() => dirs.cleanup());

describe('loadEncryptionKey', () => {
  it('takes $MCPPROXY_ENCRYPTION_KEY when set, and writes no key file', async () => {
    const dataDir = await dirs.make();

    const loaded = await loadEncryptionKey({ dataDir, env: { MCPPROXY_ENCRYPTION_KEY: KEY_HEX } });

    expect(loaded).toEqual({ key: Buffer.from(KEY_HEX, 'hex'), source: 'env' });
    expect(await readdir(dataDir)).toEqual([]);
  });

  it.each([
    ['too short', 'abc123', /has 6 characters/],
    ['not hex', 'z'.repeat(64), /not hexadecimal/],
  ])('rejects a %s $MCPPROXY_ENCRYPTION_KEY without echoing it', async (_, value, reason) => {
    const error = await loadEncryptionKey({
      dataDir: await dirs.make(),
      env: { MCPPROXY_ENCRYPTION_KEY: value },
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/^\$MCPPROXY_ENCRYPTION_KEY must be exactly 64 hexadecimal characters/);
    expect(message).toMatch(reason);
    expect(message).toContain('openssl rand -hex 32');
    expect(message).not.toContain(value);
  });

  it('creates mcpproxy.key (0600) in a new data dir (0700) and reuses it', async () => {
    const dataDir = join(await dirs.make(), 'data');

    const first = await loadEncryptionKey({ dataDir, env: { MCPPROXY_ENCRYPTION_KEY: '' } });
    const second = await loadEncryptionKey({ dataDir, env: {} });

    expect(first.source).toBe('file');
    expect(first.key).toHaveLength(32);
    expect(second.key.equals(first.key)).toBe(true);
    const path = join(dataDir, 'mcpproxy.key');
    expect((await readFile(path, 'utf8')).trim()).toBe(first.key.toString('hex'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(await readdir(dataDir)).toEqual(['mcpproxy.key']); // no temp file left behind
  });

  it('fixes a key file whose mode is looser than 0600', async () => {
    const dataDir = await dirs.make();
    await writeFile(join(dataDir, 'mcpproxy.key'), `${KEY_HEX}\n`);
    await chmod(join(dataDir, 'mcpproxy.key'), 0o644);

    const loaded = await loadEncryptionKey({ dataDir, env: {} });

    expect(loaded.key.toString('hex')).toBe(KEY_HEX);
    expect((await stat(join(dataDir, 'mcpproxy.key'))).mode & 0o777).toBe(0o600);
  });

  it('explains a malformed key file instead of replacing it', async () => {
    const dataDir = await dirs.make();
    await writeFile(join(dataDir, 'mcpproxy.key'), 'secret-but-not-hex\n', { mode: 0o600 });

    const error = await loadEncryptionKey({ dataDir, env: {} }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(
      /^The encryption key file .*mcpproxy.key is malformed: it has 18 characters, expected 64/,
    );
    expect((error as StoreError).message).not.toContain('secret-but-not-hex');
    expect(await readFile(join(dataDir, 'mcpproxy.key'), 'utf8')).toBe('secret-but-not-hex\n');
  });

  it('gives concurrent callers in one process the same key', async () => {
    const dataDir = await dirs.make();

    const keys = await Promise.all(
      Array.from({ length: 8 }, () => loadEncryptionKey({ dataDir, env: {} })),
    );

    expect(new Set(keys.map(({ key }) => key.toString('hex'))).size).toBe(1);
  });

  it('gives processes starting together the same key (exclusive create)', async () => {
    const root = await dirs.make();
    const dataDir = join(root, 'data');
    const peers = 3;

    const runs = await Promise.all(
      Array.from({ length: peers }, () =>
        runFixture('load-key.ts', [dataDir, join(root, 'barrier'), String(peers)]),
      ),
    );

    const results = runs.map((run) => fixtureResult<{ source: string; fingerprint: string }>(run));
    expect(results.map((r) => r.source)).toEqual(['file', 'file', 'file']);
    expect(new Set(results.map((r) => r.fingerprint)).size).toBe(1);
    expect(await readdir(dataDir)).toEqual(['mcpproxy.key']);
  });
});
