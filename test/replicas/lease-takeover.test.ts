/**
 * @module Issue 10, a replica dies holding the refresh lease: with its refresh in flight (the
 * token endpoint holds the request unanswered, so the refresh token is not redeemed), `kill -9`
 * the holder; the survivors wait in `refreshing` without redeeming, and once the lease expires
 * (≤ 30 s) one of them takes over and redeems that refresh token — once. Nothing is lost: no
 * reused refresh token, no `invalid_grant`, no login.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import { waitFor } from '../helpers/proxy-process.js';
import {
  invalidGrants,
  logins,
  refreshRequests,
  redemptions,
  reusedRefreshTokens,
} from './support/audit.js';
import { isAuthenticated, serverViews, waitForAll } from './support/cluster.js';
import { readLeases } from './support/leases.js';
import { loginAllOnce, worlds } from './support/world.js';

const LEASE_MS = 30_000;

const postgres = useEmbeddedPostgres();
const stage = worlds();
afterEach(async () => {
  await stage.dumpAll('lease-takeover');
  await stage.stopAll();
}, 30_000);

describe('a replica killed while holding the refresh lease', () => {
  it('loses the lease within the lease time; a survivor redeems the refresh token once', async () => {
    const storeUrl = await postgres().newDatabase();
    const world = await stage.start({ storeUrl, servers: 1 });
    await loginAllOnce(world);
    await waitFor(() => redemptions(world.as.log()).length >= 1, {
      timeoutMs: 15_000,
      what: 'a rotation before the fault',
    });

    // The next refresh request hangs at the token endpoint, unprocessed, until its client leaves.
    world.as.setFail({ mode: 'timeout', grant: 'refresh_token', times: 1 });
    await waitFor(() => world.as.failStatus().injected === 1, {
      timeoutMs: 15_000,
      what: 'a refresh in flight',
    });
    const hanging = refreshRequests(world.as.log()).at(-1)!;
    const [lease] = await readLeases(storeUrl);
    expect(lease).toBeDefined();
    const holder = world.replicas.find((r) => r.id === lease!.owner)!;
    const survivors = world.replicas.filter((r) => r !== holder);
    const redeemedBefore = redemptions(world.as.log()).length;

    await holder.proxy.stop('SIGKILL');
    const killedAt = Date.now();
    // The survivors wait in `refreshing` for the holder's commit; they redeem nothing meanwhile.
    await new Promise((r) => setTimeout(r, 5_000));
    // Healthy while their access token lasts, then degraded "Token expired" (calls get 401).
    for (const views of await Promise.all(survivors.map(serverViews))) {
      expect(views[0]).toMatchObject({ state: 'authenticated.refreshing' });
      const { level, summary } = views[0]!.health;
      expect(level === 'healthy' || `${level} ${summary}` === 'degraded Token expired').toBe(true);
    }
    const takeover = await waitFor(() => redemptions(world.as.log()).slice(redeemedBefore)[0], {
      timeoutMs: LEASE_MS + 10_000,
      intervalMs: 50,
      what: 'a survivor to redeem',
    });
    const takeoverAt = Date.parse(takeover.at);
    console.info(
      `holder ${holder.id} killed ${killedAt - Date.parse(hanging.at)} ms into its refresh; ` +
        `lease expired ${lease!.expires_at - killedAt} ms after the kill; a survivor redeemed ` +
        `${takeoverAt - killedAt} ms after the kill (${takeoverAt - lease!.expires_at} ms after expiry)`,
    );
    // The survivor redeemed the very refresh token the dead holder had presented (never processed).
    expect(takeover.refresh_token_fp).toBe(hanging.refresh_token_fp);
    // Not before the lease ran out (nobody redeems under a live lease), and within the lease time.
    // (1 s of slack: the survivors look every 200 ms, on two busy cores.)
    expect(takeoverAt).toBeGreaterThanOrEqual(lease!.expires_at - 50);
    expect(takeoverAt).toBeLessThanOrEqual(lease!.expires_at + 1_000);
    expect(takeoverAt - killedAt).toBeLessThanOrEqual(LEASE_MS + 1_000);
    // In between, nobody sent any refresh request.
    const between = refreshRequests(world.as.log()).filter(
      (e) => Date.parse(e.at) > Date.parse(hanging.at) && Date.parse(e.at) < takeoverAt,
    );
    expect(between).toEqual([]);

    await waitForAll(survivors, isAuthenticated, {
      timeoutMs: 15_000,
      what: 'survivors authenticated',
    });
    const redeemedAfter = redemptions(world.as.log()).length;
    await waitFor(() => redemptions(world.as.log()).length >= redeemedAfter + 1, {
      timeoutMs: 20_000,
      what: 'rotations going on after the takeover',
    });
    const log = world.as.log();
    expect(reusedRefreshTokens(log)).toEqual([]);
    expect(invalidGrants(log)).toEqual([]);
    expect(logins(log)).toHaveLength(1);
    expect(world.as.grants().filter((g) => g.revoked)).toEqual([]);
    await waitForAll(survivors, isAuthenticated, {
      timeoutMs: 5_000,
      what: 'survivors still authenticated',
    });
  }, 120_000);
});
