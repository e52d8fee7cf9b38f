/**
 * @module Bench 5, refresh precision: the distribution of (actual − planned) refresh start times.
 * Simulated: ≥ 1,000 refreshes of 100 actors with 5-minute tokens under a simulated clock.
 * Real time: `mcpproxy serve` with 100 OAuth servers on the OAuth test server, 10-second
 * tokens, for 60 s; planned = the `refresh_at` of "OAuth token refresh scheduled", actual = the
 * time of the next "OAuth token refresh attempt" of that server (the proxy's own log lines).
 *
 * `npx tsx bench/refresh-precision.ts [--servers 100] [--seconds 60] [--ttl 10]`
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { rm } from 'node:fs/promises';
import { refreshAt } from '../machines/upstream/timing.js';
import { startProxy } from '../test/helpers/proxy-process.js';
import { commandLine, numberOption } from './lib/args.js';
import { LoadSampler } from './lib/machine.js';
import { createOAuthFleet } from './lib/oauth-fleet.js';
import { newResult, saveResult, type Table } from './lib/report.js';
import { createSimFleet } from './lib/sim-world.js';
import { ms, summarize, type Summary } from './lib/stats.js';

const servers = numberOption('servers', 100);
const seconds = numberOption('seconds', 60);
const ttlS = numberOption('ttl', 10);
const SIM_REFRESHES = 1000;

/** Simulated: planned is what the actor's schedule says (refreshAt with its jitter). */
async function simulated(): Promise<number[]> {
  const deltas: number[] = [];
  const fleet = createSimFleet({
    servers: 100,
    ttlS: 300,
    observer: true,
    clock: 'heap',
    onRefresh: (name, at, record) => {
      const context = fleet.context(name);
      const planned = refreshAt(record, context.settings.threshold, context.jitter);
      if (planned !== null) deltas.push(at - planned);
    },
  });
  await fleet.start();
  for (let i = 0; i < 1000 && deltas.length < SIM_REFRESHES; i++) await fleet.advance(60_000);
  fleet.stop();
  return deltas.slice(0, SIM_REFRESHES);
}

interface RealOutcome {
  deltas: number[];
  overdue: number;
  failed: number;
  refreshes: number;
  unhealthyAtEnd: number;
}

/** Real time: a real serve, real timers, real token requests. */
async function realTime(): Promise<RealOutcome> {
  const fleet = await createOAuthFleet({ count: servers, accessTokenTtlS: ttlS });
  const proxy = await startProxy({
    dataDir: fleet.dataDir,
    logLevel: 'info',
    timeoutMs: 60_000,
    config: {
      mcpServers: fleet.entries,
      // 10-second tokens refresh every 8 s: the default 10 s minimum spacing would push every
      // refresh past expiry, and the default budget (30/min per AS) would queue 100 servers.
      refresh: { min_interval_s: 1 },
      as_budget_per_minute: 10_000,
    },
  }).catch(async (error) => {
    await fleet.stop();
    throw error;
  });
  let unhealthyAtEnd = 0;
  try {
    await sleep(seconds * 1000);
    const views = (await (await fetch(`${proxy.url}/api/v1/servers`)).json()) as Array<{
      health: { level: string };
    }>;
    unhealthyAtEnd = views.filter((v) => v.health.level !== 'healthy').length;
  } finally {
    await proxy.stop();
    await fleet.stop();
    await rm(fleet.dataDir, { recursive: true, force: true });
  }
  const planned = new Map<string, { at: number; loggedAt: number }>();
  const deltas: number[] = [];
  let overdue = 0;
  let failed = 0;
  let refreshes = 0;
  for (const line of proxy.logLines()) {
    const server = line.server as string | undefined;
    const time = Date.parse(String(line.time));
    if (!server) continue;
    if (line.msg === 'OAuth token refresh scheduled' && typeof line.refresh_at === 'string') {
      planned.set(server, { at: Date.parse(line.refresh_at), loggedAt: time });
    } else if (line.msg === 'OAuth token refresh attempt') {
      refreshes += 1;
      const plan = planned.get(server);
      planned.delete(server);
      if (!plan) continue; // the start-up refresh of an expired token had no schedule
      // A schedule made after its moment had passed (catching up at start) is not precision.
      if (plan.loggedAt > plan.at) overdue += 1;
      else deltas.push(time - plan.at);
    } else if (line.msg === 'OAuth token refresh failed') {
      failed += 1;
    }
  }
  return { deltas, overdue, failed, refreshes, unhealthyAtEnd };
}

function row(label: string, s: Summary, early: number): string[] {
  return [label, String(s.n), ms(s.min), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), String(early)];
}

async function main(): Promise<void> {
  const load = new LoadSampler();
  const sim = await simulated();
  console.log(`simulated: ${sim.length} refreshes`);
  const real = await realTime();
  console.log(`real time: ${real.refreshes} refresh attempts, ${real.deltas.length} on schedule`);
  const simStats = summarize(sim);
  const realStats = summarize(real.deltas);
  const table: Table = {
    caption: 'actual − planned refresh start (negative = early)',
    headers: ['clock', 'refreshes', 'min', 'p50', 'p90', 'p99', 'max', 'early (< 0)'],
    rows: [
      row('simulated (heap clock)', simStats, sim.filter((d) => d < 0).length),
      row(
        `real time (${servers} servers, ${ttlS} s tokens, ${seconds} s)`,
        realStats,
        real.deltas.filter((d) => d < 0).length,
      ),
    ],
  };
  await saveResult(
    newResult({
      name: 'refresh-precision',
      title: '5. Refresh precision',
      load: load.stop(),
      command: commandLine('refresh-precision'),
      method: [
        'Simulated: 100 OAuth actors (the actor-scale fleet: real machines, store actor and observer, fake token endpoint) ' +
          `with 5-minute tokens until ${SIM_REFRESHES} refreshes; planned = \`refreshAt(record, threshold, jitter)\` of the ` +
          "actor's own context when the refresh starts, actual = the simulated time the refresh actor is invoked.",
        `Real time: \`mcpproxy serve\` (--log-level info, \`refresh.min_interval_s: 1\`, \`as_budget_per_minute: 10000\`) with ${servers} ` +
          `OAuth servers on the OAuth test server issuing ${ttlS}-second tokens, for ${seconds} s. Planned = \`refresh_at\` of the ` +
          'server\'s latest "OAuth token refresh scheduled" line, actual = the time of its next "OAuth token refresh attempt" line ' +
          '(pino timestamps, ms). Schedules that were already overdue when made (the start-up catch-up) are counted apart.',
      ],
      targets: [
        {
          figure: 'simulated: actual − planned, p50 / p99 / max',
          target: '–',
          value: `${ms(simStats.p50)} / ${ms(simStats.p99)} / ${ms(simStats.max)}`,
          met: null,
        },
        {
          figure: 'real time: actual − planned, p50 / p99 / max',
          target: '–',
          value: `${ms(realStats.p50)} / ${ms(realStats.p99)} / ${ms(realStats.max)}`,
          met: null,
        },
      ],
      tables: [
        table,
        {
          caption: 'Real-time run',
          headers: ['figure', 'value'],
          rows: [
            ['refresh attempts', String(real.refreshes)],
            ['measured against a schedule', String(real.deltas.length)],
            ['overdue when scheduled (start-up catch-up)', String(real.overdue)],
            ['refreshes that failed', String(real.failed)],
            ['servers not healthy at the end', String(real.unhealthyAtEnd)],
          ],
        },
      ],
      notes: [],
    }),
  );
}

await main();
