/**
 * @module Issue 10, PostgreSQL outage: the store stops for ~8 s under three replicas with 3 s
 * tokens, while one replica's refresh is in flight at the token endpoint. The replicas keep
 * serving, health says `degraded` "Token store unavailable" (never worse), nothing is redeemed
 * without the lease, the refresh redeemed just before the outage is held back (not used) and
 * committed when PostgreSQL returns, and they recover by themselves — no restart, no login, no
 * `invalid_grant`, no reused refresh token, no grant revoked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import {
  chainBreaks,
  invalidGrants,
  linesWith,
  logins,
  refreshRequests,
  reusedRefreshTokens,
} from './support/audit.js';
import { readyz } from './support/cluster.js';
import { describeView, monitorReplicas } from './support/monitor.js';
import { unstoredAfterSettling } from './support/store-check.js';
import { loginAllOnce, worlds } from './support/world.js';
import { storeOutageDuringRefresh } from './support/outage.js';

const OUTAGE_MS = 8_000;
const IN_FLIGHT_MS = 2_500;

const postgres = useEmbeddedPostgres();
const stage = worlds();
afterEach(async () => {
  await stage.dumpAll('store-outage');
  await stage.stopAll();
}, 30_000);

describe('PostgreSQL stopped under three replicas', () => {
  it('degrades health, holds back the refresh it could not commit, and recovers by itself', async () => {
    const world = await stage.start({ storeUrl: await postgres().newDatabase(), servers: 3 });
    await loginAllOnce(world);
    const monitor = monitorReplicas(() => world.replicas, 200);
    await new Promise((r) => setTimeout(r, 1_000));

    // A refresh is at the token endpoint (lease taken) when PostgreSQL stops; it is answered
    // during the outage, so its rotated refresh token cannot be committed yet.
    const { stoppedAt, resumeAt, resumedAt, healedAt } = await storeOutageDuringRefresh(
      world,
      postgres(),
      { inFlightMs: IN_FLIGHT_MS, outageMs: OUTAGE_MS, healTimeoutMs: 30_000 },
    );
    await new Promise((r) => setTimeout(r, 2_000));
    await monitor.stop();
    console.info(
      `PostgreSQL stopped for ${resumedAt - stoppedAt} ms; every replica healthy ${healedAt - resumedAt} ms after it was back`,
    );

    // During the outage: every server on every replica degraded "Token store unavailable", none
    // worse; /readyz stays ready with store_available false.
    const during = monitor.between(stoppedAt + 1_000, resumeAt);
    expect(during.length).toBeGreaterThan(3 * 10);
    for (const sample of during) {
      expect(sample.ready).toMatchObject({ status: 'ready', store_available: false });
      for (const view of sample.views ?? []) {
        expect(`${sample.replica} ${describeView(view)}`).toBe(
          `${sample.replica} ${view.name}=${view.state}/degraded (Token store unavailable)`,
        );
      }
    }
    // Afterwards: store available again everywhere, without a restart.
    for (const replica of world.replicas) {
      expect(await readyz(replica)).toMatchObject({ status: 'ready', store_available: true });
      expect(replica.proxy.child.exitCode).toBeNull();
    }

    const log = world.as.log();
    // The in-flight refresh was answered during the outage…
    const answered = refreshRequests(log).find((e) => e.injected === 'slow')!;
    expect(answered.status).toBe(200);
    expect(Date.parse(answered.at) + answered.duration_ms!).toBeGreaterThan(stoppedAt);
    // …and its refresh token was the one redeemed next: held back, committed after the outage.
    const next = refreshRequests(log).find(
      (e) => e.refresh_token_fp === answered.issued_refresh_token_fp,
    );
    expect(next, 'the refresh token issued during the outage was redeemed later').toBeDefined();
    expect(Date.parse(next!.at)).toBeGreaterThan(resumedAt - 1_000);
    // Nobody redeemed anything while the store was down.
    const redeemedDuringOutage = refreshRequests(log).filter(
      (e) => Date.parse(e.at) > stoppedAt && Date.parse(e.at) < resumeAt,
    );
    expect(redeemedDuringOutage).toEqual([]);
    const held = world.replicas.flatMap((r) =>
      linesWith(r, 'Token store unavailable: the operation waits for it'),
    );
    expect(held.length).toBeGreaterThan(0);

    // Nothing lost: the store holds the newest refresh token the AS issued, for every server.
    expect(await unstoredAfterSettling(world)).toEqual([]);
    expect(invalidGrants(log)).toEqual([]);
    expect(reusedRefreshTokens(log)).toEqual([]);
    expect(chainBreaks(log)).toEqual([]);
    expect(logins(log)).toHaveLength(3);
    expect(world.as.grants().filter((g) => g.revoked)).toEqual([]);
  }, 150_000);
});
