/**
 * A session the server ended (HTTP 404 to a request with its id) is replaced at once, as the MCP
 * spec asks of a client; other lost connections, and a server that was already failing, wait for
 * the backoff.
 */
import { describe, expect, it } from 'vitest';
import {
  createHarness,
  oauthEntry,
  plainEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

const gh = spec(oauthEntry('gh'));
const fs = spec(plainEntry('fs'));
const expired = {
  type: 'upstream.disconnected',
  error: 'the MCP session expired (HTTP 404)',
  sessionExpired: true,
} as const;

describe('upstream machine: a session the server ended', () => {
  it.each([
    ['an OAuth server', gh, 'authenticated.refreshScheduled'],
    ['a server without OAuth', fs, 'connected'],
  ])('%s reconnects at once, not after the backoff', async (_kind, server, state) => {
    const h = createHarness({
      servers: [server],
      records: server === gh ? [recordWithToken(gh.serverKey, 'gh', T0, 3600)] : [],
    });
    h.supervisor.start();
    await h.advance(0);
    expect(h.state(server.entry.name)).toBe(state);

    h.child(server.entry.name).send(expired);
    await h.advance(0);

    expect(h.world.connectCalls.map((call) => call.at)).toEqual([T0, T0]);
    expect(h.state(server.entry.name)).toBe(state);
    expect(h.child(server.entry.name).getSnapshot().context).toMatchObject({
      failures: 0,
      lastError: null,
    });
  });

  it('any other lost connection waits for the backoff (10 s)', async () => {
    const h = createHarness({ servers: [fs] });
    h.supervisor.start();
    await h.advance(0);
    h.child('fs').send({ type: 'upstream.disconnected', error: 'the connection closed' });
    await h.advance(9_000);
    expect(h.state('fs')).toBe('retrying');
    expect(h.world.connectCalls).toHaveLength(1);
    await h.advance(1_000);
    expect(h.world.connectCalls).toHaveLength(2);
    expect(h.state('fs')).toBe('connected');
  });

  it('a reconnect that then fails backs off as usual', async () => {
    const h = createHarness({ servers: [fs] });
    h.supervisor.start();
    await h.advance(0);
    h.world.connectMode = { result: 'failed_network', message: 'connection refused' };
    h.child('fs').send(expired);
    await h.advance(0);
    expect(h.state('fs')).toBe('retrying');
    expect(h.world.connectCalls).toHaveLength(2);
    h.world.connectMode = 'ok';
    await h.advance(9_000);
    expect(h.world.connectCalls).toHaveLength(2);
    await h.advance(1_000);
    expect(h.state('fs')).toBe('connected');
  });
});
