import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { statechartFiles } from '../../services/statecharts/index.js';

const dir = join(import.meta.dirname, '..', '..', 'statecharts');

describe('statecharts/', () => {
  it('holds exactly what `mcpproxy statecharts export` writes (re-export when a machine changes)', async () => {
    const fresh = statechartFiles();
    const committed = (await readdir(dir)).filter((f) => f.endsWith('.json') || f.endsWith('.mmd'));
    expect(committed.sort()).toEqual(Object.keys(fresh).sort());
    for (const [name, content] of Object.entries(fresh)) {
      const onDisk = await readFile(join(dir, name), 'utf8');
      expect(onDisk, `statecharts/${name} is stale: run "npx mcpproxy statecharts export"`).toBe(content);
    }
  });

  it('docs/architecture.md shows the current upstream statechart', async () => {
    const doc = await readFile(join(dir, '..', 'docs', 'architecture.md'), 'utf8');
    expect(doc).toContain(statechartFiles()['upstream.mmd']!);
  });

  it('exports the SPEC §4 hierarchy with named delays', () => {
    const upstream = JSON.parse(statechartFiles()['upstream.json']!);
    expect(Object.keys(upstream.states)).toEqual([
      'idle', 'connecting', 'connected', 'authenticated', 'degraded', 'retrying', 'loginRequired', 'loggingIn', 'stopped',
    ]);
    expect(Object.keys(upstream.states.authenticated.states)).toEqual(['refreshScheduled', 'refreshing']);
    expect(Object.keys(upstream.states.degraded.states)).toEqual(['waiting', 'refreshing']);
    expect(Object.keys(upstream.states.authenticated.states.refreshScheduled.after)).toEqual(['refreshDelay']);
    expect(Object.keys(upstream.states.degraded.states.waiting.after)).toEqual(['backoffDelay']);
    expect(Object.keys(upstream.states.degraded.after)).toEqual(['accessTokenExpiry']);
    expect(Object.keys(upstream.states.retrying.after)).toEqual(['backoffDelay']);
  });
});
