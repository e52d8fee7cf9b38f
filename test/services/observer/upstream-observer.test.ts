/**
 * @module Tests for the observer's wiring: it follows the supervisor's upstream actors (those
 * configured later too), pairs each refresh outcome the actor emits with the snapshot it
 * produced, and forgets a removed server — all without XState's inspection stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, createMachine, type AnyActorRef } from 'xstate';
import { createMetrics } from '../../../services/metrics/metrics.js';
import { EventHub, type ProxyEvent } from '../../../services/events/proxy-events.js';
import { createUpstreamObserver } from '../../../services/observer/upstream-observer.js';
import {
  plainEntry,
  recordWithToken,
  spec,
  T0,
  upstreamContext,
} from '../../helpers/machine-harness.js';
import { memoryLogger } from '../../http/support/memory-logger.js';
import { World } from '../../http/support/world.js';

const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

let world: World | undefined;
afterEach(() => {
  world?.stop();
  world = undefined;
});

async function stateSeries(w: World) {
  const metric = await w.metrics.upstreamState.get();
  return metric.values
    .filter((v) => v.value === 1)
    .map((v) => `${v.labels.server}=${v.labels.state}`)
    .sort();
}

describe('upstream observer', () => {
  it('follows servers configured after start and forgets removed ones', async () => {
    world = await new World().start();
    expect(await stateSeries(world)).toContain('plain=connected');

    const servers = Object.values(world.supervisor.getSnapshot().context.specs);
    world.supervisor.send({
      type: 'config.updated',
      servers: [...servers.filter((s) => s.entry.name !== 'plain'), spec(plainEntry('later'))],
    });
    await turns();

    const series = await stateSeries(world);
    expect(series).toContain('later=connected');
    expect(series.some((s) => s.startsWith('plain='))).toBe(false);
    const health = await world.metrics.upstreamHealth.get();
    expect(health.values.map((v) => v.labels.server)).not.toContain('plain');
    expect(health.values.map((v) => v.labels.server)).toContain('later');
  });

  it('logs and counts a refresh from the outcome the actor emits with its snapshot', async () => {
    world = await new World().start();
    world.clock.increment(3600_000 * 0.8 + 1_000); // github's token: refresh at 80 % of 1 h
    await turns();

    const github = world.log.lines.filter((l) => l.server === 'github').map((l) => l.msg);
    expect(github).toEqual(
      expect.arrayContaining([
        'OAuth token refresh attempt',
        'OAuth token refresh succeeded',
        'OAuth token refresh scheduled',
      ]),
    );
    const succeeded = world.log.lines.filter((l) => l.msg === 'OAuth token refresh succeeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({ server: 'github', duration_ms: 0 });
    expect(typeof succeeded[0]!.correlation_id).toBe('string');
    const total = await world.metrics.refreshTotal.get();
    expect(total.values).toEqual([
      expect.objectContaining({ labels: { server: 'github', result: 'success' }, value: 1 }),
    ]);
  });

  it.each([
    ['completes', 'no-url' as const, 'OAuth login completed'],
    ['fails', 'fail-before-url' as const, 'OAuth login failed; the stored tokens stay in use'],
  ])(
    'a forced login on a working server that %s is logged as such',
    async (_outcome, mode, message) => {
      world = await new World().start();
      world.loginMode = mode;
      world.supervisor.system.get('upstream:github')!.send({ type: 'auth.login', force: true });
      await turns();

      const github = world.log.lines.filter((l) => l.server === 'github');
      const logins = github.map((l) => l.msg).filter((m) => String(m).startsWith('OAuth login'));
      expect(logins).toEqual(['OAuth login started', message]);
    },
  );

  it('at scrape time, sets the health gauge of a server whose token ran out while its refresh waits', async () => {
    // An upstream actor held in authenticated.refreshing (no new snapshot comes while it waits).
    const context = upstreamContext({ record: recordWithToken('gh_0', 'gh', T0, 600) });
    const upstream = createMachine({
      context,
      initial: 'authenticated',
      states: { authenticated: { initial: 'refreshing', states: { refreshing: {} } } },
    });
    const supervisor = createActor(
      createMachine({
        context: ({ spawn }): { children: Record<string, AnyActorRef> } => ({
          children: { gh: spawn(upstream, { systemId: 'upstream:gh' }) },
        }),
      }),
    );
    let clock = T0 + 60_000;
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = createUpstreamObserver({
      logger: memoryLogger().logger,
      metrics,
      events: new EventHub<ProxyEvent>(),
      now: () => clock,
    });
    observer.watch(supervisor);
    supervisor.start();
    const gauge = async () =>
      (await metrics.upstreamHealth.get()).values.find((v) => v.labels.server === 'gh')?.value;
    expect(await gauge()).toBe(0);

    clock = T0 + 601_000; // the 10-minute token ran out
    observer.updateTimedGauges();
    expect(await gauge()).toBe(1);
    supervisor.stop();
  });
});
