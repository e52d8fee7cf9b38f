/**
 * A changed config entry (`config.updated`: headers, enabled …) keeps what the server's record
 * says about OAuth: a server whose OAuth was learnt from a 401 (no `oauth` block) stays
 * authenticated on its stored tokens and keeps refreshing, instead of turning into a plain one.
 */
import { describe, expect, it } from 'vitest';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

// No `oauth` block: OAuth is known from the stored record only.
const gh = spec({ ...oauthEntry('gh'), oauth: null });

describe('upstream machine: a changed config entry', () => {
  it('keeps an OAuth server learnt from its record authenticated and refreshing', async () => {
    const h = createHarness({
      servers: [gh],
      records: [recordWithToken(gh.serverKey, 'gh', T0, 180)],
    });
    h.supervisor.start();
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');

    h.child('gh').send({
      type: 'config.updated',
      entry: { ...gh.entry, headers: { 'X-A': '1' } },
    });
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.child('gh').getSnapshot().context.oauth).toBe(true);
    await h.advance(150_000);
    expect(h.world.refreshCalls).toHaveLength(1);
  });
});
