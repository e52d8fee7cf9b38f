/**
 * A login started on a working server (a forced re-login, a scope step-up) that fails or times
 * out goes back to the stored tokens instead of parking the server; a scope step-up makes the
 * plain `auth login` the error message suggests start a flow.
 */
import { describe, expect, it } from 'vitest';
import type { ClassifiedFailure } from '../../machines/upstream/upstream.types.js';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

const gh = spec(oauthEntry('gh'));
const denied: ClassifiedFailure = {
  result: 'failed_other',
  message: 'the authorization server answered access_denied',
};

/** `gh` authenticated with a token of `ttlS` seconds issued at T0. */
async function authenticated(ttlS = 3600) {
  const h = createHarness({
    servers: [gh],
    records: [recordWithToken(gh.serverKey, 'gh', T0, ttlS)],
  });
  h.supervisor.start();
  await h.advance(0);
  expect(h.state('gh')).toBe('authenticated.refreshScheduled');
  return h;
}

describe('upstream machine: a login on a working server', () => {
  it('that fails goes back to the stored tokens and does not park', async () => {
    const h = await authenticated();
    h.world.loginMode = denied;
    h.child('gh').send({ type: 'auth.login', force: true });
    await h.advance(0);

    expect(h.world.loginCalls).toHaveLength(1);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.world.connectCalls).toHaveLength(2);
    const context = h.child('gh').getSnapshot().context;
    expect(context.loginReason).toBeNull();
    expect(context.flow).toBeNull();
    expect(context.record?.tokens?.access_token).toBe('at-seed-gh');
    // The reconnect cleared lastError; the reason stays readable as loginError (the REST view's
    // last_login_error) until the next login starts.
    expect(context.lastError).toBeNull();
    expect(context.loginError).toBe(
      'Login failed: the authorization server answered access_denied',
    );

    h.world.manualLogin = true;
    h.child('gh').send({ type: 'auth.login', force: true });
    await h.advance(0);
    expect(h.state('gh')).toBe('loggingIn');
    expect(h.child('gh').getSnapshot().context.loginError).toBeNull();
  });

  it('keeps the live session while it runs, and reconnects with the new token once committed', async () => {
    const h = await authenticated();
    h.world.manualLogin = true;
    h.child('gh').send({ type: 'auth.login', force: true });
    await h.advance(0);
    expect(h.state('gh')).toBe('loggingIn');
    expect(h.child('gh').getSnapshot().context.session).not.toBeNull();

    h.world.completeLogins();
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.world.connectCalls).toHaveLength(2);
    expect(h.child('gh').getSnapshot().context.record?.tokens?.access_token).not.toBe('at-seed-gh');
  });

  it('that is never completed goes back to the stored tokens after 5 minutes', async () => {
    const h = await authenticated();
    h.world.manualLogin = true;
    h.child('gh').send({ type: 'auth.login', force: true });
    await h.advance(0);
    expect(h.state('gh')).toBe('loggingIn');
    await h.advance(5 * 60_000);

    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.child('gh').getSnapshot().context.loginReason).toBeNull();
    expect(h.child('gh').getSnapshot().context.loginError).toBe('Login timed out');
  });

  it('that still waits for the browser when the access token is about to expire gives way to a refresh', async () => {
    // 2-minute token: its refresh (at 96 s) must not wait for a login nobody completes.
    const h = await authenticated(120);
    h.world.manualLogin = true;
    h.child('gh').send({ type: 'auth.login', force: true });
    await h.advance(0);
    expect(h.state('gh')).toBe('loggingIn');

    await h.advance(100_000);
    expect(h.state('gh')).toBe('loggingIn');
    expect(h.world.refreshCalls).toHaveLength(0);

    // 15 s before expiry (105 s) the login gives way; the reconnect refreshes the token.
    await h.advance(5_000);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.world.refreshCalls).toHaveLength(1);
    const context = h.child('gh').getSnapshot().context;
    expect(context.record?.tokens?.access_token).not.toBe('at-seed-gh');
    expect(context.loginError).toMatch(/^Login abandoned: the access token was about to expire/);
    expect(context.flow).toBeNull();

    // The abandoned flow's late completion changes nothing.
    h.world.completeLogins();
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.world.loginCalls).toHaveLength(1);
  });

  it('without a refresh token does not give way (only a login can renew the token)', async () => {
    const record = recordWithToken(gh.serverKey, 'gh', T0, 120);
    delete record.tokens!.refresh_token;
    const h = createHarness({ servers: [gh], records: [record] });
    h.supervisor.start();
    await h.advance(0);
    h.world.manualLogin = true;
    h.child('gh').send({ type: 'auth.login', force: true });
    await h.advance(0);
    await h.advance(110_000);
    expect(h.state('gh')).toBe('loggingIn');
    expect(h.world.refreshCalls).toHaveLength(0);
  });

  it('a parked server whose login fails stays parked with the reason', async () => {
    const h = createHarness({ servers: [gh] });
    h.supervisor.start();
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    h.world.loginMode = denied;
    h.child('gh').send({ type: 'auth.login' });
    await h.advance(0);

    expect(h.state('gh')).toBe('loginRequired');
    expect(h.child('gh').getSnapshot().context.loginReason).toContain('access_denied');
  });

  it('after a scope step-up, a plain login (no --force) starts a flow', async () => {
    const h = await authenticated();
    h.child('gh').send({ type: 'upstream.insufficient_scope', scopes: ['admin'] });
    h.child('gh').send({ type: 'auth.login' });
    await h.advance(0);

    expect(h.world.loginCalls).toHaveLength(1);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.child('gh').getSnapshot().context.stepUpScopes).toEqual([]);
  });

  it('without a step-up, a plain login on an authenticated server starts none', async () => {
    const h = await authenticated();
    h.child('gh').send({ type: 'auth.login' });
    await h.advance(0);
    expect(h.world.loginCalls).toHaveLength(0);
  });
});
