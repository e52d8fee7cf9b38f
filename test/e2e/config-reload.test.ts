/**
 * Edits of the config file apply to a running `serve` (SPEC §1: the supervisor spawns and stops
 * upstream actors as the config changes): a server added in place or by an editor's
 * rename-over-save appears, a removed one goes, and a file that does not parse leaves the
 * running servers as they are, with a warning that says why. Real `serve`, real files.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, writeConfig } from '../helpers/proxy-process.js';
import { oauthConfig, e2eWorld } from './support/world.js';

describe('a config file edited while serve runs', { timeout: 90_000 }, () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('adds and removes servers, and keeps them through a file that does not parse', async () => {
    const as = await world.authServer();
    const dataDir = await world.dir();
    const proxy = await world.proxy({
      config: oauthConfig([['a', as]]),
      dataDir,
      logLevel: 'info',
    });
    const names = async () => {
      const views = (await (await fetch(`${proxy.url}/api/v1/servers`)).json()) as Array<{
        name: string;
      }>;
      return views.map((view) => view.name).sort();
    };
    const until = (expected: string[], what: string) =>
      waitFor(async () => JSON.stringify(await names()) === JSON.stringify(expected), {
        timeoutMs: 15_000,
        what,
      });
    const logged = (msg: string) => proxy.logLines().filter((line) => line.msg === msg);
    expect(await names()).toEqual(['a']);

    // Written in place, with a typo in a key: the server is added, the typo said.
    await writeConfig(dataDir, {
      ...oauthConfig([
        ['a', as],
        ['b', as],
      ]),
      refesh: {},
    });
    await until(['a', 'b'], 'b to appear');
    // The log reaches this process through a pipe, possibly after the REST answer: wait for it.
    const reloaded = await waitFor(() => logged('Config reloaded')[0], {
      timeoutMs: 5_000,
      what: 'the reload to be logged',
    });
    expect(reloaded).toMatchObject({ added: ['b'], removed: [], changed: [] });
    expect(proxy.logLines().some((line) => /unknown field "?refesh/.test(String(line.msg)))).toBe(
      true,
    );

    // A broken file: the warning names the problem, the servers stay.
    await writeFile(join(dataDir, 'mcp_config.json'), '{ "mcpServers": [');
    await waitFor(() => logged('Config reload failed: keeping the running configuration')[0], {
      timeoutMs: 15_000,
      what: 'the reload failure to be logged',
    });
    expect(
      String(logged('Config reload failed: keeping the running configuration')[0]!.error),
    ).toMatch(/mcp_config\.json/);
    expect(await names()).toEqual(['a', 'b']);

    // An editor's save: a new file renamed over the old one; `a` removed, `c` added.
    const next = join(dataDir, 'mcp_config.json.tmp');
    await writeFile(
      next,
      JSON.stringify({
        listen: '127.0.0.1:0',
        ...oauthConfig([
          ['b', as],
          ['c', as],
        ]),
      }),
    );
    await rename(next, join(dataDir, 'mcp_config.json'));
    await until(['b', 'c'], 'a to go and c to appear');
    expect(proxy.child.exitCode).toBeNull();
  });
});
