/**
 * @module Bench 4, REST under load: `GET /api/v1/servers` of a real `mcpproxy serve` with 1,000
 * configured servers, hammered with autocannon; p50/p99 latency and requests/s.
 *
 * `npx tsx bench/rest-load.ts [--servers 1000] [--seconds 10] [--runs 3] [--mode connected|parked]`
 * `connected`: every server is a plain Streamable HTTP upstream session on one local echo
 * server (state `connected`). `parked`: OAuth servers without a stored token (`loginRequired`,
 * no network at all).
 */
import { startProxy, waitFor } from '../test/helpers/proxy-process.js';
import { commandLine, numberOption, option } from './lib/args.js';
import { cannon, type CannonResult } from './lib/autocannon.js';
import { LoadSampler } from './lib/machine.js';
import { startChild } from './lib/processes.js';
import { processCpuMs } from './lib/proc-cpu.js';
import { newResult, saveResult } from './lib/report.js';
import { fixed, median, ms, spread } from './lib/stats.js';

const servers = numberOption('servers', 1000);
const seconds = numberOption('seconds', 10);
const runs = numberOption('runs', 3);
const mode = option('mode', 'connected') === 'parked' ? 'parked' : 'connected';
const CONNECTIONS = [1, 10];
const TARGET_P99_MS = 20;

async function main(): Promise<void> {
  const load = new LoadSampler();
  const upstream =
    mode === 'connected'
      ? await startChild({
          command: process.execPath,
          args: ['--import', 'tsx', 'bench/lib/echo-upstream.ts'],
          ready: /echo-upstream (\S+)/,
        })
      : null;
  const mcpServers = Array.from({ length: servers }, (_, i) => {
    const name = `srv${String(i).padStart(4, '0')}`;
    return upstream
      ? { name, url: `${upstream.ready[1]}?s=${i}`, protocol: 'http' }
      : { name, url: `http://127.0.0.1:9/mcp?s=${i}`, protocol: 'http', oauth: {} };
  });
  const spawned = performance.now();
  const proxy = await startProxy({ logLevel: 'info', config: { mcpServers }, timeoutMs: 300_000 });
  const listenMs = performance.now() - spawned;
  const results = new Map<number, CannonResult[]>();
  let bytes = 0;
  let cpuPerRequest: number[] = [];
  const clientCpuPerRequest: number[] = [];
  let settleMs = 0;
  try {
    const settleStart = performance.now();
    const wanted = mode === 'connected' ? 'connected' : 'loginRequired';
    await waitFor(
      async () => {
        const views = (await (await fetch(`${proxy.url}/api/v1/servers`)).json()) as Array<{
          state: string;
        }>;
        return views.length === servers && views.every((v) => v.state === wanted);
      },
      { timeoutMs: 300_000, intervalMs: 500, what: `all ${servers} servers ${wanted}` },
    );
    settleMs = performance.now() - settleStart;
    const url = `${proxy.url}/api/v1/servers`;
    bytes = (await (await fetch(url)).arrayBuffer()).byteLength;
    await cannon(url, 10, 2); // warm-up
    for (let run = 0; run < runs; run++) {
      for (const connections of CONNECTIONS) {
        const cpu0 = processCpuMs(proxy.pid);
        const clientCpu0 = process.cpuUsage();
        const result = await cannon(url, connections, seconds);
        const cpu = processCpuMs(proxy.pid) - cpu0;
        const clientCpu = process.cpuUsage(clientCpu0);
        if (connections === 10) {
          const total = Math.max(1, result.requests.total);
          cpuPerRequest.push(cpu / total);
          clientCpuPerRequest.push((clientCpu.user + clientCpu.system) / 1000 / total);
        }
        results.set(connections, [...(results.get(connections) ?? []), result]);
        console.log(
          `run ${run + 1} c=${connections}: p50 ${ms(result.latency.p50)} p99 ${ms(result.latency.p99)} ${fixed(result.requests.average, 0)} req/s` +
            (result.non2xx + result.errors
              ? ` (${result.non2xx} non-2xx, ${result.errors} errors)`
              : ''),
        );
      }
    }
  } finally {
    await proxy.stop();
    await upstream?.stop();
  }

  const rows = CONNECTIONS.map((c) => {
    const rs = results.get(c)!;
    const p50 = rs.map((r) => r.latency.p50);
    const p99 = rs.map((r) => r.latency.p99);
    const rps = rs.map((r) => r.requests.average);
    const failed = rs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
    return { c, p50, p99, rps, failed };
  });
  const at10 = rows.find((r) => r.c === 10)!;
  const worstP99 = Math.max(...at10.p99);
  await saveResult(
    newResult({
      name: 'rest-load',
      title: '4. REST under load (GET /api/v1/servers, 1,000 servers)',
      load: load.stop(),
      command: commandLine('rest-load'),
      method: [
        `A real \`mcpproxy serve\` (--log-level info) with ${servers} configured servers, ` +
          (mode === 'connected'
            ? 'each a plain Streamable HTTP upstream session on one local echo server (distinct URLs `?s=N`), all `connected`'
            : 'each an OAuth server with no stored token, all parked in `loginRequired`') +
          `; the answer is ${fixed(bytes / 1024, 0)} KiB of JSON. autocannon (in the bench process) runs ${seconds} s per run ` +
          `at 1 and 10 connections (autocannon's default), ${runs} runs interleaved, after a 2 s warm-up.`,
      ],
      targets: [
        {
          figure: 'p99 latency at 10 connections (worst run)',
          target: '< 20 ms',
          value: ms(worstP99),
          met: servers === 1000 ? worstP99 < TARGET_P99_MS : null,
        },
        {
          figure: 'p99 latency at 1 connection (worst run)',
          target: '–',
          value: ms(Math.max(...rows.find((r) => r.c === 1)!.p99)),
          met: null,
        },
        {
          figure: 'proxy CPU per request (10 connections, median of runs)',
          target: '–',
          value: ms(median(cpuPerRequest)),
          met: null,
        },
        {
          figure:
            "autocannon's own CPU per request (the bench process, same cores; 10 connections, median)",
          target: '–',
          value: ms(median(clientCpuPerRequest)),
          met: null,
        },
      ],
      tables: [
        {
          caption: `Per connection count (${runs} runs of ${seconds} s)`,
          headers: [
            'connections',
            'p50 (median of runs)',
            'p50 spread',
            'p99 (median of runs)',
            'p99 spread',
            'req/s (median)',
            'req/s spread',
            'failed',
          ],
          rows: rows.map((r) => [
            String(r.c),
            ms(median(r.p50)),
            spread(r.p50, ms),
            ms(median(r.p99)),
            spread(r.p99, ms),
            fixed(median(r.rps), 0),
            spread(r.rps, (x) => fixed(x, 0)),
            String(r.failed),
          ]),
        },
        {
          caption: 'Setup',
          headers: ['figure', 'value'],
          rows: [
            ['response size', `${fixed(bytes / 1024, 0)} KiB`],
            [`spawn → listening with ${servers} servers`, `${fixed(listenMs / 1000, 1)} s`],
            [
              `all ${servers} servers ${mode === 'connected' ? 'connected' : 'parked'} after listening`,
              `${fixed(settleMs / 1000, 1)} s`,
            ],
          ],
        },
      ],
      notes: [],
    }),
  );
  cpuPerRequest = [];
}

await main();
