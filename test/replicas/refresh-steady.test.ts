/**
 * @module Issue 10, fast variant: three `mcpproxy serve` replicas share one PostgreSQL store, five
 * servers with 3 s access tokens on an authorization server with refresh-token rotation and reuse
 * detection; for ~40 s every rotation is redeemed once by exactly one replica, nobody logs in
 * again, every replica reports every server healthy throughout and serves their tools.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import { waitFor } from '../helpers/proxy-process.js';
import {
  chainBreaks,
  invalidGrants,
  longestRotationGapMs,
  logins,
  presentedTwice,
  redeemedBy,
  redemptions,
  reusedRefreshTokens,
} from './support/audit.js';
import { expiredInFlightAllowance, startCallers } from './support/callers.js';
import { readyz } from './support/cluster.js';
import { monitorReplicas, unhealthyLooks } from './support/monitor.js';
import { unstoredAfterSettling } from './support/store-check.js';
import { loginAllOnce, worlds } from './support/world.js';

const RUN_MS = Number(process.env.REPLICA_RUN_MS ?? 36_000);

const postgres = useEmbeddedPostgres();
const stage = worlds();
afterEach(async () => {
  await stage.dumpAll('steady');
  await stage.stopAll();
}, 30_000);

describe('three replicas on one PostgreSQL store', () => {
  it(
    'redeem every rotation exactly once, never log in again and stay healthy throughout',
    async () => {
      const world = await stage.start({ storeUrl: await postgres().newDatabase(), servers: 5 });
      await loginAllOnce(world);
      const loginsBefore = logins(world.as.log()).length;
      const redeemedBefore = redemptions(world.as.log()).length;

      const monitor = monitorReplicas(() => world.replicas);
      const callers = await startCallers(world.replicas, world.names);
      const from = Date.now();
      await new Promise((r) => setTimeout(r, RUN_MS));
      const calls = await callers.stop();
      await monitor.stop();

      const log = world.as.log();
      const redeemed = redemptions(log).length - redeemedBefore;
      const byReplica = redeemedBy(world.replicas);
      const runLog = log.filter((e) => Date.parse(e.at) >= from);
      const longestGap = longestRotationGapMs(runLog);
      console.info(
        `replicas: ${RUN_MS / 1000}s, ${redeemed} rotations, by replica ${JSON.stringify(byReplica)}, ` +
          `${monitor.samples().length} health samples, longest gap between rotations of one server ` +
          `${longestGap} ms, ${calls.ok} tool calls through the replicas ` +
          `(${calls.expiredInFlight.length} met a token expiring in flight)`,
      );
      // Nothing lost: the store holds the newest refresh token the AS issued, for every server.
      expect(await unstoredAfterSettling(world)).toEqual([]);
      expect(invalidGrants(log)).toEqual([]);
      expect(reusedRefreshTokens(log)).toEqual([]);
      expect(presentedTwice(log)).toEqual([]);
      expect(chainBreaks(log)).toEqual([]);
      expect(logins(log).length).toBe(loginsBefore);
      expect(world.as.grants().filter((g) => g.revoked)).toEqual([]);
      // Five servers refreshing at 80 % of 3 s: well over one rotation per server per 3 s.
      expect(redeemed).toBeGreaterThan((5 * RUN_MS) / 3_000);
      // …and no server ever stalled: each got its next token before its 3 s one ran out (+1 s of
      // slack for two busy cores).
      expect(longestGap).toBeLessThan(4_000);
      // Every redemption the AS answered was claimed by exactly one replica. Refreshes go on
      // after the run, so both counts are read together, at a moment no answer is in flight
      // (the AS has answered but the replica has not yet logged it).
      const claimedAll = () => Object.values(redeemedBy(world.replicas)).reduce((a, b) => a + b, 0);
      const counts = await waitFor(
        () => {
          const both = { claimed: claimedAll(), answered: redemptions(world.as.log()).length };
          return both.claimed === both.answered ? both : null;
        },
        { timeoutMs: 10_000, intervalMs: 50, what: 'every answered redemption to be claimed' },
      ).catch(() => ({ claimed: claimedAll(), answered: redemptions(world.as.log()).length }));
      expect(counts.claimed).toBe(counts.answered);
      expect(unhealthyLooks(monitor.between(from))).toEqual([]);
      // Every replica kept serving tools on every server with the tokens it held.
      expect(calls.failed).toEqual([]);
      expect(calls.expiredInFlight.length).toBeLessThanOrEqual(expiredInFlightAllowance(calls));
      expect(calls.ok).toBeGreaterThan(RUN_MS / 1_000);
      for (const replica of world.replicas) {
        expect(await readyz(replica)).toEqual({
          status: 'ready',
          store: 'postgres',
          replica_id: replica.id,
          store_available: true,
        });
      }
    },
    RUN_MS + 90_000,
  );
});
