/**
 * @module Bench 2, restart to connected: 50 OAuth upstreams on the OAuth test server whose stored
 * access tokens have expired; time from spawning `mcpproxy serve` until `GET /api/v1/servers`
 * shows all 50 in `authenticated.*` (each refreshed its token, then connected). 5 runs.
 *
 * `npx tsx bench/restart-connected.ts [--servers 50] [--runs 5] [--poll-ms 10]`
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compiledEntry } from '../cli/build.js';
import { startProxy, type ProxyProcess } from '../test/helpers/proxy-process.js';
import { commandLine, numberOption } from './lib/args.js';
import { LoadSampler } from './lib/machine.js';
import { createOAuthFleet } from './lib/oauth-fleet.js';
import { processCpuMs } from './lib/proc-cpu.js';
import { newResult, saveResult } from './lib/report.js';
import { median, ms, spread, summarize } from './lib/stats.js';

const servers = numberOption('servers', 50);
const runs = numberOption('runs', 5);
const pollMs = numberOption('poll-ms', 10);
const TARGET_MS = 1000;
const DEADLINE_MS = 120_000;

interface ServerView {
  name: string;
  state: string;
}

interface Run {
  /** spawn → all authenticated */
  total: number;
  /** spawn → the listening line */
  boot: number;
  /** listening line → all authenticated */
  afterListen: number;
  /** first server authenticated, after spawn */
  first: number;
  refreshes: number;
  /** CPU time serve used from spawn to all authenticated (user + system). */
  cpu: number;
  /** CPU time serve used from spawn to listening. */
  bootCpu: number;
}

async function views(url: string): Promise<ServerView[]> {
  const response = await fetch(`${url}/api/v1/servers`);
  return (await response.json()) as ServerView[];
}

async function oneRun(fleet: Awaited<ReturnType<typeof createOAuthFleet>>): Promise<Run> {
  await fleet.expireStoredTokens();
  fleet.server.clearLog();
  const start = performance.now();
  let proxy: ProxyProcess | undefined;
  try {
    proxy = await startProxy({
      dataDir: fleet.dataDir,
      logLevel: 'info',
      config: {
        mcpServers: fleet.entries,
        // The per-authorization-server budget (default 30/min) would spread 50 refreshes over
        // two minutes on purpose; this bench measures how fast they can go.
        as_budget_per_minute: 10_000,
      },
    });
    const listening = performance.now();
    const bootCpu = processCpuMs(proxy.pid);
    let first = NaN;
    for (;;) {
      if (performance.now() - start > DEADLINE_MS) {
        throw new Error(
          `not all authenticated within ${DEADLINE_MS} ms:\n${proxy.output().slice(-3000)}`,
        );
      }
      const list = await views(proxy.url).catch(() => [] as ServerView[]);
      const done = list.filter((v) => v.state.startsWith('authenticated')).length;
      if (done > 0 && Number.isNaN(first)) first = performance.now() - start;
      if (list.length === servers && done === servers) break;
      await sleep(pollMs);
    }
    const end = performance.now();
    const cpu = processCpuMs(proxy.pid);
    const refreshes = fleet.server
      .log()
      .filter((e) => (e as { grant_type?: string }).grant_type === 'refresh_token').length;
    return {
      total: end - start,
      boot: listening - start,
      afterListen: end - listening,
      first,
      refreshes,
      cpu,
      bootCpu,
    };
  } finally {
    await proxy?.stop();
  }
}

async function main(): Promise<void> {
  const load = new LoadSampler();
  // The compiled CLI `bin` runs is built (or found current) now, not inside the first run.
  const entry = fileURLToPath(await compiledEntry());
  const fleet = await createOAuthFleet({ count: servers, accessTokenTtlS: 3600 });
  const results: Run[] = [];
  try {
    // A restart runs on a machine where serve has run before: its V8 code cache exists
    // (cli/code-cache.js). After a fresh build it does not yet; one uncounted run writes it.
    if (!existsSync(`${entry}.serve.cache`)) {
      const warm = await oneRun(fleet);
      console.log(`warm-up run (writes serve's code cache, not counted): ${ms(warm.total)}`);
    }
    for (let i = 0; i < runs; i++) {
      const run = await oneRun(fleet);
      console.log(
        `run ${i + 1}: ${ms(run.total)} (boot ${ms(run.boot)}, then ${ms(run.afterListen)}), ${run.refreshes} refreshes`,
      );
      results.push(run);
    }
  } finally {
    await fleet.stop();
    await rm(fleet.dataDir, { recursive: true, force: true });
  }
  const total = summarize(results.map((r) => r.total));
  const after = summarize(results.map((r) => r.afterListen));
  const boot = summarize(results.map((r) => r.boot));
  const cpu = summarize(results.map((r) => r.cpu));
  await saveResult(
    newResult({
      name: 'restart-connected',
      title: '2. Restart to connected',
      load: load.stop(),
      command: commandLine('restart-connected'),
      method: [
        `${servers} OAuth upstreams (distinct URLs \`/mcp?s=N\` on one OAuth test server, so ${servers} server keys, ${servers} grants) ` +
          'logged in once with the SDK and stored in LMDB as a login leaves them; before each run every stored access token is ' +
          'made expired (expires_at one minute ago, and expired on the test server too). Each run spawns `node cli/bin.js serve` ' +
          `(--log-level info) on that data dir and polls \`GET /api/v1/servers\` every ${pollMs} ms until all ${servers} report ` +
          '`authenticated.*`: each server refreshed its token (lease, token request, CAS commit) and then connected (MCP initialize + tools/list).',
        'The config raises `as_budget_per_minute` to 10,000: the default budget (30 token requests per minute per authorization ' +
          'server) deliberately spreads such a burst over minutes.',
        '`bin` runs the CLI compiled by esbuild (cli/build.js); the bench makes sure that build is current before the runs, as ' +
          'after an install (the first start after a source change builds it first, ≈ 1 s more), and that serve has run once ' +
          'on it (an uncounted run when needed), so its V8 code cache exists as after any earlier start (cli/code-cache.js; ' +
          'the first start of a build compiles everything, ≈ 120 ms more CPU).',
      ],
      targets: [
        {
          figure: `spawn → all ${servers} authenticated, p50 (max)`,
          target: '≤ 1 s',
          value: `${ms(total.p50)} (${ms(total.max)})`,
          met: servers === 50 ? total.max <= TARGET_MS : null,
        },
        {
          figure: `listening → all ${servers} authenticated, p50 (max)`,
          target: '–',
          value: `${ms(after.p50)} (${ms(after.max)})`,
          met: null,
        },
        {
          figure: 'process boot (spawn → listening), p50 (max)',
          target: '–',
          value: `${ms(boot.p50)} (${ms(boot.max)})`,
          met: null,
        },
        {
          figure: 'CPU time of serve, spawn → all authenticated, p50 (max)',
          target: '–',
          value: `${ms(cpu.p50)} (${ms(cpu.max)})`,
          met: null,
        },
      ],
      tables: [
        {
          caption: `Runs (${runs})`,
          headers: [
            'run',
            'spawn → all authenticated',
            'spawn → listening',
            'listening → all',
            'first authenticated',
            'refresh requests',
            'serve CPU (to listening)',
          ],
          rows: results.map((r, i) => [
            String(i + 1),
            ms(r.total),
            ms(r.boot),
            ms(r.afterListen),
            ms(r.first),
            String(r.refreshes),
            `${ms(r.cpu)} (${ms(r.bootCpu)})`,
          ]),
        },
        {
          caption: 'Across runs',
          headers: ['figure', 'p50', 'max', 'spread'],
          rows: [
            [
              'spawn → all authenticated',
              ms(total.p50),
              ms(total.max),
              spread(
                results.map((r) => r.total),
                ms,
              ),
            ],
            [
              'listening → all authenticated',
              ms(after.p50),
              ms(after.max),
              spread(
                results.map((r) => r.afterListen),
                ms,
              ),
            ],
            [
              'spawn → listening',
              ms(boot.p50),
              ms(boot.max),
              spread(
                results.map((r) => r.boot),
                ms,
              ),
            ],
            ['median of runs, spawn → all', ms(median(results.map((r) => r.total))), '', ''],
          ],
        },
      ],
      notes: [],
    }),
  );
}

await main();
