/**
 * @module Bench 1, actor scale: 1,000 OAuth upstream actors (real supervisor, upstream machines,
 * store actor, observer and inspection hub; fake network) with 5-minute tokens, run through 24 simulated hours.
 * Figures: wall time, RSS (total and per actor), heap, event-loop delay.
 *
 * `npx tsx bench/actor-scale.ts [--actors 1000] [--hours 24] [--ttl 300] [--clock heap|xstate]
 * [--observer on|off] [--profile run.cpuprofile] [--floor-hours 4]`
 *
 * After the run, the same round trip with empty machines (bench/lib/protocol-floor.ts) runs for
 * `--floor-hours` simulated hours (0: skipped): what XState alone costs per refresh here.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { commandLine, numberOption, option } from './lib/args.js';
import { settledMemory } from './lib/gc.js';
import { LoadSampler } from './lib/machine.js';
import { profiled } from './lib/profile.js';
import { runProtocolFloor, type FloorResult } from './lib/protocol-floor.js';
import { newResult, saveResult } from './lib/report.js';
import { createSimFleet } from './lib/sim-world.js';
import { fixed, mb } from './lib/stats.js';

const actors = numberOption('actors', 1000);
const hours = numberOption('hours', 24);
const ttlS = numberOption('ttl', 300);
const clockKind = option('clock', 'heap') === 'xstate' ? 'xstate' : 'heap';
const observer = option('observer', 'on') !== 'off';
const profileFile = option('profile', '') || undefined;
const maxWallS = numberOption('max-wall-s', 600);
const floorHours = numberOption('floor-hours', 4);

const HOUR = 3600_000;
const STEP = 600_000;
const RSS_TARGET = 100e6;
const WALL_TARGET_S = 30;

async function main(): Promise<void> {
  const load = new LoadSampler();
  const before = await settledMemory();
  const fleet = createSimFleet({ servers: actors, ttlS, observer, clock: clockKind });
  const spawnStart = performance.now();
  await fleet.start();
  await fleet.advance(0);
  const spawnMs = performance.now() - spawnStart;
  const startStates = fleet.states();
  const spawned = await settledMemory();

  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const hourly: number[] = [];
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  let simulatedMs = 0;
  await profiled(profileFile, async () => {
    // Ten simulated minutes at a time, so a run over the wall-time cap stops soon after it.
    while (simulatedMs < hours * HOUR && performance.now() - wallStart < maxWallS * 1000) {
      const step = Math.min(STEP, hours * HOUR - simulatedMs);
      await fleet.advance(step);
      simulatedMs += step;
      if (simulatedMs % HOUR === 0) hourly.push(performance.now() - wallStart);
    }
  });
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  delay.disable();
  const endStates = fleet.states();
  const after = await settledMemory();
  const stopStart = performance.now();
  fleet.stop();
  const stopMs = performance.now() - stopStart;

  // The floor, bare and with SPEC's three info lines, after the run (its memory is measured).
  const floors: Array<{ label: string; result: FloorResult }> = [];
  if (floorHours > 0) {
    for (const lines of [false, true]) {
      await settledMemory();
      const result = await runProtocolFloor({ servers: actors, ttlS, hours: floorHours, lines });
      floors.push({
        label: lines ? 'empty machines + the three SPEC info lines' : 'empty machines',
        result,
      });
    }
  }

  const perActor = (spawned.rss - before.rss) / actors;
  const heapPerActor = (spawned.heapUsed - before.heapUsed) / actors;
  const healthy = Object.entries(endStates)
    .filter(([state]) => state.startsWith('authenticated'))
    .reduce((n, [, count]) => n + count, 0);
  const simulatedH = simulatedMs / HOUR;
  const complete = simulatedMs >= hours * HOUR;
  const expected = Math.floor((actors * simulatedH * 3600) / (ttlS * 0.8));
  const ns = (x: number) => x / 1e6;
  const wallS = wallMs / 1000;
  // A run stopped by the wall-time cap is projected linearly to the full simulated time.
  const projectedWallS = complete ? wallS : (wallS * hours) / simulatedH;
  const projectedCpuS = complete ? cpuS : (cpuS * hours) / simulatedH;
  const partial = complete
    ? ''
    : ` (projected: ${fixed(simulatedH, 2)} h simulated in ${fixed(wallS, 0)} s before the ${maxWallS} s cap)`;
  const scaled = actors === 1000 && hours === 24 && ttlS === 300;
  const cpuPerRefreshUs = (cpuS * 1e6) / Math.max(1, fleet.refreshes);
  // A floor's cost per refresh, projected to this run's refresh count.
  const floorUs = ({ cpuMs, refreshes }: FloorResult) => (cpuMs * 1000) / Math.max(1, refreshes);
  const floorRows = floors.map(({ label, result }) => [
    label,
    `${result.refreshes} in ${fixed(result.wallMs / 1000, 1)} s`,
    fixed(floorUs(result), 0),
    `${fixed((result.wallMs / 1000) * (fleet.refreshes / Math.max(1, result.refreshes)), 1)} s`,
  ]);

  await saveResult(
    newResult({
      name: 'actor-scale',
      title: '1. Actor scale (simulated 24 h)',
      load: load.stop(),
      command: commandLine('actor-scale'),
      method: [
        `${actors} OAuth upstream actors under one supervisor — the real machines, the real store actor ` +
          `(over an in-memory TokenStore) ${observer ? 'the real observer (pino at info into a discarding stream, prom-client metrics, SSE hub) and the real inspection hub (recent messages for `/api/v1/inspect`), wired as `serve` wires them' : 'without the observer'}; ` +
          `connect and refresh are fake actors that answer at once. Tokens live ${ttlS} s and were issued at ` +
          `seeded random moments, so refreshes (at 80 % of the lifetime, with serve's ≤ 5 % jitter) spread over the cycle.`,
        `${hours} simulated hours are driven with a ${clockKind === 'heap' ? 'binary-heap simulated clock (bench/lib/sim-clock.ts)' : "XState's SimulatedClock"} ` +
          'timer to timer (each `after` fires at its exact simulated moment), one macrotask turn per moment. ' +
          'Memory is read after forced full GCs; RSS is the whole process (Node, tsx, all modules) and the per-actor figure is the growth from spawning the actors.',
        ...(floorHours > 0
          ? [
              `The floor, run after the fleet in the same process: SPEC §1's refresh round trip with empty XState machines (bench/lib/protocol-floor.ts) — the same ${actors} actors, clock, refresh period and eight events per refresh (the timer, \`refresh.run\`, \`refresh.done\`, \`refresh.cancel\`, \`token.issued\`, \`store.save\`, \`store.saved\`, \`token.persisted\`), no guards, no store encoding, no observer — once bare and once writing the three SPEC info lines per refresh (pino at info into a discarding stream). ` +
                `It runs ${floorHours} simulated hours; its wall time is projected to the fleet's refresh count.`,
            ]
          : []),
      ],
      targets: [
        {
          figure: `RSS of ${actors} actors (growth from before spawning to after the run)`,
          target: '< 100 MB',
          value: mb(after.rss - before.rss),
          met: scaled ? after.rss - before.rss < RSS_TARGET : null,
        },
        {
          figure: `wall time for ${hours} simulated hours`,
          target: '< 30 s',
          value: `${fixed(projectedWallS, 1)} s${partial}`,
          met: scaled ? projectedWallS < WALL_TARGET_S : null,
        },
        {
          figure: `CPU time for ${hours} simulated hours (user + system)`,
          target: '–',
          value: `${fixed(projectedCpuS, 1)} s${complete ? '' : ' (projected)'}`,
          met: null,
        },
        ...floors.map(({ label, result }) => ({
          figure: `floor: SPEC §1's round trip with ${label}, ${hours} simulated hours projected from ${floorHours}`,
          target: '–',
          value: `${fixed((result.wallMs / 1000) * (fleet.refreshes / Math.max(1, result.refreshes)), 1)} s (${fixed(floorUs(result), 0)} µs CPU per refresh)`,
          met: null,
        })),
        {
          figure: 'process RSS after the run (Node + tsx + modules + actors)',
          target: '–',
          value: mb(after.rss),
          met: null,
        },
        {
          figure: 'RSS per actor',
          target: '–',
          value: `${fixed(perActor / 1024, 1)} KB`,
          met: null,
        },
        {
          figure: 'event-loop delay p50 / p99 / max',
          target: '–',
          value: `${fixed(ns(delay.percentile(50)), 1)} / ${fixed(ns(delay.percentile(99)), 1)} / ${fixed(ns(delay.max), 1)} ms`,
          met: null,
        },
      ],
      tables: [
        {
          caption: 'Memory (after forced GC)',
          headers: ['moment', 'RSS', 'heap used', 'external + array buffers'],
          rows: [
            [
              'before the actors',
              mb(before.rss),
              mb(before.heapUsed),
              mb(before.external + before.arrayBuffers),
            ],
            [
              `${actors} actors connected`,
              mb(spawned.rss),
              mb(spawned.heapUsed),
              mb(spawned.external + spawned.arrayBuffers),
            ],
            [
              `after ${fixed(simulatedH, 2)} simulated hours`,
              mb(after.rss),
              mb(after.heapUsed),
              mb(after.external + after.arrayBuffers),
            ],
            [
              'per actor (spawn growth)',
              `${fixed(perActor / 1024, 1)} KB`,
              `${fixed(heapPerActor / 1024, 1)} KB`,
              '',
            ],
          ],
        },
        {
          caption: 'Run',
          headers: ['figure', 'value'],
          rows: [
            ['spawn + connect all actors', `${fixed(spawnMs, 0)} ms`],
            [
              'stop the supervisor and all actors (as serve does on SIGTERM)',
              `${fixed(stopMs, 0)} ms`,
            ],
            [
              'refreshes performed (commits through the store actor)',
              `${fleet.refreshes} (expected ≈ ${expected}); commits ${fleet.store.commits}`,
            ],
            [
              'refreshes per wall second / per CPU second',
              `${fixed(fleet.refreshes / wallS, 0)} / ${fixed(fleet.refreshes / cpuS, 0)}`,
            ],
            ['CPU µs per refresh', fixed(cpuPerRefreshUs, 0)],
            [`actors in authenticated.* at the end`, `${healthy} / ${actors}`],
            ['states at start', JSON.stringify(startStates)],
            ['states at end', JSON.stringify(endStates)],
            [
              'wall time at 1 h / 6 h / 12 h / 24 h',
              [1, 6, 12, 24]
                .map((h) =>
                  hourly[h - 1] !== undefined ? `${fixed(hourly[h - 1]! / 1000, 1)} s` : '–',
                )
                .join(' / '),
            ],
          ],
        },
        ...(floorRows.length > 0
          ? [
              {
                caption: `The floor: SPEC §1's round trip with empty machines (bench/lib/protocol-floor.ts), ${actors} actors, ${floorHours} simulated hours, same clock and refresh period`,
                headers: [
                  'machines',
                  'refreshes in wall time',
                  'CPU µs per refresh',
                  `wall time projected to this run's ${fleet.refreshes} refreshes`,
                ],
                rows: [
                  ...floorRows,
                  [
                    'the real fleet (this run)',
                    `${fleet.refreshes} in ${fixed(wallS, 1)} s`,
                    fixed(cpuPerRefreshUs, 0),
                    `${fixed(wallS, 1)} s`,
                  ],
                ],
              },
            ]
          : []),
      ],
      notes: [],
    }),
  );
}

await main();
