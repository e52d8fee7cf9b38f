/** @module Tests for `loadConfig` (real files in a temp dir) and `resolvePaths` precedence. */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../../services/errors.js';
import { defaultConfig, loadConfig, resolvePaths } from '../../../services/config/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpproxy-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('a missing file is zero servers, not an error', async () => {
    const loaded = await loadConfig(join(dir, 'absent.json'));
    expect(loaded).toEqual({ config: defaultConfig(), warnings: [], found: false });
  });

  it('applies overrides even without a file', async () => {
    const { config, found } = await loadConfig(join(dir, 'absent.json'), {
      env: { MCPPROXY_STORE_URL: 'postgres://h/db' },
      listenOverride: ':9999',
    });
    expect(found).toBe(false);
    expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://h/db' });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 9999 });
  });

  it('reads and validates an existing file', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, JSON.stringify({ mcpServers: { a: { url: 'https://x/mcp' } } }));
    const { config, found } = await loadConfig(path);
    expect(found).toBe(true);
    expect(config.servers.map((s) => s.name)).toEqual(['a']);
  });

  it('names the full path in errors', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '{"mcpServers": [{"name": "a", "protocol": "htp", "url": "https://x"}]}');
    await expect(loadConfig(path)).rejects.toThrow(
      new ConfigError(
        `${path}: mcpServers[0] ("a"): "protocol" must be one of http, sse, stdio, auto (got "htp")`,
      ),
    );
  });

  it('a directory is a ConfigError naming the path', async () => {
    const error = await loadConfig(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `${dir}: cannot read the config file: it is a directory; --config / $MCPPROXY_CONFIG must name a JSON file`,
    );
  });

  it('a path through a file is a ConfigError naming the path', async () => {
    const file = join(dir, 'plain.json');
    await writeFile(file, '{}');
    await expect(loadConfig(join(file, 'mcp_config.json'))).rejects.toThrow(
      /plain\.json\/mcp_config\.json: cannot read the config file: a parent of the path is not a directory/,
    );
  });

  // root reads any file, so this one only runs as a normal user
  it.skipIf(process.getuid?.() === 0)('an unreadable file is a ConfigError', async () => {
    const path = join(dir, 'secret.json');
    await writeFile(path, '{}');
    await chmod(path, 0o000);
    await expect(loadConfig(path)).rejects.toThrow(/permission denied/);
  });
});

describe('resolvePaths', () => {
  const homedir = '/home/me';
  const cwd = '/work';
  it.each([
    [{}, {}, '/home/me/.mcpproxy', '/home/me/.mcpproxy/mcp_config.json', null],
    [{}, { MCPPROXY_DATA_DIR: '/var/mcp' }, '/var/mcp', '/var/mcp/mcp_config.json', null],
    [
      { dataDir: '/opt/d' },
      { MCPPROXY_DATA_DIR: '/var/mcp' },
      '/opt/d',
      '/opt/d/mcp_config.json',
      null,
    ],
    [
      {},
      { MCPPROXY_CONFIG: '/etc/mcp.json' },
      '/home/me/.mcpproxy',
      '/etc/mcp.json',
      '$MCPPROXY_CONFIG',
    ],
    [
      { config: '/c/flag.json' },
      { MCPPROXY_CONFIG: '/etc/mcp.json' },
      '/home/me/.mcpproxy',
      '/c/flag.json',
      '--config',
    ],
    [{ config: 'rel.json', dataDir: 'data' }, {}, '/work/data', '/work/rel.json', '--config'],
    [
      {},
      { MCPPROXY_DATA_DIR: '~/mcp', MCPPROXY_CONFIG: '~/cfg.json' },
      '/home/me/mcp',
      '/home/me/cfg.json',
      '$MCPPROXY_CONFIG',
    ],
    [
      {},
      { MCPPROXY_DATA_DIR: '', MCPPROXY_CONFIG: ' ' },
      '/home/me/.mcpproxy',
      '/home/me/.mcpproxy/mcp_config.json',
      null,
    ],
  ])('flags %j env %j', (flags, env, dataDir, configPath, configSource) => {
    expect(resolvePaths({ flags, env, homedir, cwd })).toEqual({
      dataDir,
      configPath,
      configSource,
    });
  });

  it.each([
    [{ dataDir: '' }, '--data-dir must not be empty'],
    [{ dataDir: '  ' }, '--data-dir must not be empty'],
    [{ config: '' }, '--config must not be empty'],
  ])('an empty flag %j is a usage error, not the default', (flags, says) => {
    const env = { MCPPROXY_DATA_DIR: '/var/mcp' };
    expect(() => resolvePaths({ flags, env, homedir, cwd })).toThrow(UsageError);
    expect(() => resolvePaths({ flags, env, homedir, cwd })).toThrow(says);
  });
});
