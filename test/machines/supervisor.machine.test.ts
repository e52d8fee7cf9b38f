import { describe, expect, it } from 'vitest';
import {
  createHarness,
  oauthEntry,
  plainEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

describe('supervisor machine', () => {
  it('spawns one child per configured server with systemId upstream:<name> and becomes running', async () => {
    const h = createHarness({ servers: [spec(plainEntry('a')), spec(plainEntry('b'))] });
    h.supervisor.start();
    expect(h.supervisor.getSnapshot().value).toBe('starting');
    await h.advance(0);
    expect(h.supervisor.getSnapshot().value).toBe('running');
    expect(h.state('a')).toBe('connected');
    expect(h.state('b')).toBe('connected');
  });

  it('starts running at once with zero servers', async () => {
    const h = createHarness({ servers: [] });
    h.supervisor.start();
    expect(h.supervisor.getSnapshot().value).toBe('running');
  });

  it('adds, removes and respawns children on config.updated', async () => {
    const a = spec(plainEntry('a'));
    const b = spec(plainEntry('b'));
    const h = createHarness({ servers: [a, b] });
    h.supervisor.start();
    await h.advance(0);
    const oldB = h.child('b');
    const c = spec(plainEntry('c'));
    const bMoved = spec(plainEntry('b'), 'b_1111111111111111');
    h.supervisor.send({ type: 'config.updated', servers: [bMoved, c] });
    await h.advance(0);
    expect(h.supervisor.system.get('upstream:a')).toBeUndefined();
    expect(h.state('c')).toBe('connected');
    expect(h.child('b')).not.toBe(oldB);
    expect(h.child('b').getSnapshot().context.serverKey).toBe('b_1111111111111111');
    expect(oldB.getSnapshot().status).toBe('stopped');
  });

  it('a changed URL gets a new server key and never reuses the old token', async () => {
    const old = spec(oauthEntry('gh'), 'gh_aaaaaaaaaaaaaaaa');
    const h = createHarness({
      servers: [old],
      records: [recordWithToken(old.serverKey, 'gh', T0, 3600)],
    });
    h.supervisor.start();
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    const moved = spec(
      oauthEntry('gh', { url: 'https://other.example/mcp' }),
      'gh_bbbbbbbbbbbbbbbb',
    );
    h.supervisor.send({ type: 'config.updated', servers: [moved] });
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.child('gh').getSnapshot().context.record).toBeNull();
  });

  it('passes an unchanged-key entry change to the running child instead of respawning it', async () => {
    const a = spec(plainEntry('a'));
    const h = createHarness({ servers: [a] });
    h.supervisor.start();
    await h.advance(0);
    const before = h.child('a');
    h.supervisor.send({
      type: 'config.updated',
      servers: [spec({ ...a.entry, headers: { 'X-A': '1' } })],
    });
    await h.advance(0);
    expect(h.child('a')).toBe(before);
    expect(h.child('a').getSnapshot().context.entry.headers).toEqual({ 'X-A': '1' });
  });

  it('a child uses a refreshed token only after the supervisor committed it', async () => {
    const gh = spec(oauthEntry('gh'));
    const h = createHarness({
      servers: [gh],
      records: [recordWithToken(gh.serverKey, 'gh', T0, 100)],
    });
    h.supervisor.start();
    await h.advance(0);
    // Hold the store's answer: the child must keep the old token meanwhile.
    const seen: string[] = [];
    h.child('gh').subscribe((s) =>
      seen.push(
        `${s.value && JSON.stringify(s.value)}:${s.context.record?.tokens?.access_token}:${s.context.internal.pending?.tokens?.access_token ?? '-'}`,
      ),
    );
    await h.advance(80_000);
    const issuedButNotCommitted = seen.find(
      (l) => l.includes('"refreshing"') && l.includes(':at-seed-gh:at-1'),
    );
    expect(issuedButNotCommitted).toBeDefined();
    expect(h.child('gh').getSnapshot().context.record?.tokens?.access_token).toBe('at-1');
    expect(h.store.records.get(gh.serverKey)?.tokens?.access_token).toBe('at-1');
  });

  it('forwards clock.jumped to every child', async () => {
    const servers = [spec(oauthEntry('a')), spec(oauthEntry('b'))];
    const h = createHarness({
      servers,
      records: servers.map((s) => recordWithToken(s.serverKey, s.entry.name, T0, 3600)),
    });
    h.supervisor.start();
    await h.advance(0);
    (h.clock as unknown as { _now: number })._now += 2 * 3600_000;
    h.supervisor.send({ type: 'clock.jumped' });
    await h.advance(0);
    expect(h.world.refreshCalls.map((c) => c.name).sort()).toEqual(['a', 'b']);
  });
});
