/**
 * The auth commands with no daemon answering, through the real `mcpproxy` binary: they say the
 * same as through a daemon — logging out what is not logged in is no failure, a stdio server
 * "does not use OAuth", an unknown name lists the known ones, and a login that times out uses
 * the daemon mode's wording.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../helpers/proxy-process.js';
import { freePort } from './support/free-port.js';
import { e2eWorld } from './support/world.js';

describe('auth commands without a daemon', { timeout: 120_000 }, () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  /** A data dir whose config lists `servers`; nothing listens at its `listen` address. */
  async function standaloneDir(servers: Array<Record<string, unknown>>) {
    const dir = await world.dir();
    const configPath = await writeConfig(dir, {
      listen: `127.0.0.1:${await freePort()}`,
      mcpServers: servers,
    });
    return { dir, configPath, at: ['--data-dir', dir] };
  }

  it('logs out what has nothing stored with exit 0, and refuses stdio and unknown servers as the daemon does', async () => {
    const { configPath, at } = await standaloneDir([
      { name: 'zeta', url: 'http://127.0.0.1:9/mcp', oauth: {} },
      { name: 'fs', command: 'true' },
      { name: 'alpha', url: 'http://127.0.0.1:9/mcp' },
    ]);

    const nothing = await runCli(['auth', 'logout', '--server', 'zeta', ...at]);
    expect(nothing).toEqual({
      code: 0,
      stdout: 'zeta: already logged out (no tokens were stored)\n',
      stderr: '',
    });
    const stdio = await runCli(['auth', 'logout', '--server', 'fs', ...at]);
    expect(stdio).toMatchObject({
      code: 1,
      stderr: 'mcpproxy: fs does not use OAuth: there is nothing to log out of.\n',
    });
    const unknown = await runCli(['auth', 'logout', '--server', 'nosuch', ...at]);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: `mcpproxy: No server named "nosuch" in ${configPath}. Known: alpha, fs, zeta.\n`,
    });
    // --all: every server known to use OAuth gets a line.
    const all = await runCli(['auth', 'logout', '--all', ...at]);
    expect(all).toEqual({
      code: 0,
      stdout: 'zeta: already logged out (no tokens were stored)\n',
      stderr: '',
    });
  });

  it('logout --all with nothing stored and no OAuth server says so instead of printing nothing', async () => {
    const { dir, at } = await standaloneDir([
      { name: 'plain', url: 'http://127.0.0.1:9/mcp' },
      { name: 'fs', command: 'true' },
    ]);
    const r = await runCli(['auth', 'logout', '--all', ...at]);
    expect(r).toEqual({
      code: 0,
      stdout: `No tokens are stored in ${dir}: nothing to log out.\n`,
      stderr: '',
    });
  });

  it('a standalone login that times out says "Login of NAME timed out after Ns."', async () => {
    const as = await world.authServer({ accessTokenTtlS: 300 });
    const { at } = await standaloneDir([{ name: 'test', url: as.mcpUrl }]);
    const r = await runCli([
      'auth',
      'login',
      '--server',
      'test',
      '--no-browser',
      '--timeout',
      '2s',
      ...at,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Open this URL to log in:');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'mcpproxy: Login of test timed out after 2s.',
    );
  });
});
