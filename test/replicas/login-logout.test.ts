/**
 * @module Issue 10, logins across replicas: a login started through replica A's REST API shows
 * up authenticated on B and C within 2 s without a restart (they share A's client registration
 * through the store), and a logout on one replica logs the server out on all of them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerView } from '../../machines/upstream/server-view.js';
import { useEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import { followAuthUrl } from '../helpers/browser.js';
import { invalidGrants, logins } from './support/audit.js';
import {
  isAuthenticated,
  logoutThrough,
  serverViews,
  startLogin,
  waitForAll,
  type Replica,
} from './support/cluster.js';
import { worlds } from './support/world.js';

const postgres = useEmbeddedPostgres();
const stage = worlds();
afterEach(async () => {
  await stage.dumpAll('login-logout');
  await stage.stopAll();
}, 30_000);

/** Waits until `accept` holds for server `name` on every replica; answers the time it took. */
async function timeUntil(
  replicas: Replica[],
  name: string,
  accept: (view: ServerView) => boolean,
  what: string,
): Promise<number> {
  const started = Date.now();
  await waitForAll(replicas, (v) => v.name !== name || accept(v), { timeoutMs: 10_000, what });
  return Date.now() - started;
}

describe('logins across replicas', () => {
  it('a login through A is authenticated on B and C within 2 s; a logout on B logs out all', async () => {
    const world = await stage.start({
      storeUrl: await postgres().newDatabase(),
      servers: 2,
      accessTokenTtlS: 30,
    });
    const [a, b, c] = world.replicas as [Replica, Replica, Replica];
    await waitForAll(world.replicas, (v) => v.state === 'loginRequired', {
      what: 'every server waiting for a login',
    });

    const authUrl = await startLogin(a, 'srv1');
    const visit = await followAuthUrl(authUrl);
    expect(visit.callbackStatus).toBe(200);
    const loginSeenInMs = await timeUntil(
      world.replicas,
      'srv1',
      isAuthenticated,
      'srv1 authenticated everywhere',
    );
    console.info(
      `login through A authenticated on A, B and C ${loginSeenInMs} ms after the callback`,
    );
    expect(loginSeenInMs).toBeLessThanOrEqual(2_000);
    // One registration, made by A, used by all: B and C neither registered nor logged in.
    const log = world.as.log();
    expect(log.filter((e) => e.path === '/register')).toHaveLength(1);
    expect(logins(log)).toHaveLength(1);
    // Every replica shows the same token state; srv2 stays parked everywhere.
    const views = await Promise.all(world.replicas.map(serverViews));
    const tokenState = (replicaViews: ServerView[], name: string) => {
      const view = replicaViews.find((v) => v.name === name)!;
      return {
        state: view.state,
        oauth_status: view.oauth_status,
        token_expires_at: view.token_expires_at,
      };
    };
    expect(tokenState(views[0]!, 'srv1').token_expires_at).not.toBeNull();
    for (const replicaViews of views) {
      expect(tokenState(replicaViews, 'srv1')).toEqual({
        ...tokenState(views[0]!, 'srv1'),
        state: expect.stringMatching(/^authenticated/),
      });
      expect(tokenState(replicaViews, 'srv2')).toMatchObject({
        state: 'loginRequired',
        oauth_status: 'login_required',
      });
    }

    await logoutThrough(b, 'srv1');
    const logoutSeenInMs = await timeUntil(
      world.replicas,
      'srv1',
      (v) => v.state === 'loginRequired' && v.oauth_status === 'login_required',
      'srv1 logged out everywhere',
    );
    console.info(`logout through B seen on A, B and C after ${logoutSeenInMs} ms`);
    expect(logoutSeenInMs).toBeLessThanOrEqual(2_000);

    // A login through C after that works for all again (the registration survived the logout).
    expect((await followAuthUrl(await startLogin(c, 'srv1'))).callbackStatus).toBe(200);
    expect(
      await timeUntil(world.replicas, 'srv1', isAuthenticated, 'srv1 again'),
    ).toBeLessThanOrEqual(2_000);
    expect(world.as.log().filter((e) => e.path === '/register')).toHaveLength(1);
    expect(invalidGrants(world.as.log())).toEqual([]);
  }, 90_000);
});
