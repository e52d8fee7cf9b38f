/**
 * @module Bench 6 (issue 10), refresh commits through the token store: compare-and-swap
 * `store.commit` per second, and the whole per-refresh store work of the daemon (take the lease,
 * read, commit), for the embedded LMDB store and, side by side, the PostgreSQL store (an
 * embedded cluster with production durability). Sequential (as one daemon's store actor
 * commits) and 16 in flight (several replicas).
 *
 * `npx tsx bench/store-commits.ts [--seconds 3] [--rounds 3] [--servers 100] [--postgres on|off]`
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyRecord, withTokens, type TokenRecord } from '../machines/upstream/token-record.js';
import { openLmdbStore } from '../services/token-store/lmdb-store.js';
import { openPostgresStore } from '../services/token-store/postgres-store.js';
import type { TokenStore } from '../services/token-store/token-store.js';
import { commandLine, numberOption, option } from './lib/args.js';
import { LoadSampler } from './lib/machine.js';
import { startPostgres, type BenchPostgres } from './lib/postgres.js';
import { newResult, saveResult, type Table } from './lib/report.js';
import { fixed, median, ms, spread, summarize } from './lib/stats.js';

const seconds = numberOption('seconds', 3);
const rounds = numberOption('rounds', 3);
const servers = numberOption('servers', 100);
const withPostgres = option('postgres', 'on') !== 'off';
const MODES = ['commit', 'refresh', 'commit ×16'] as const;
type Mode = (typeof MODES)[number];

interface Contender {
  name: string;
  store: TokenStore;
  current: TokenRecord[];
}

let counter = 0;
function refreshed(record: TokenRecord): TokenRecord {
  counter += 1;
  const response = {
    access_token: `at-${counter}-${randomBytes(16).toString('hex')}`,
    token_type: 'Bearer',
    expires_in: 3600,
    refresh_token: `rt-${counter}-${randomBytes(16).toString('hex')}`,
    scope: 'mcp',
  };
  return withTokens(record, response, Date.now());
}

async function seed(store: TokenStore): Promise<TokenRecord[]> {
  const records: TokenRecord[] = [];
  for (let i = 0; i < servers; i++) {
    const base = {
      ...emptyRecord(`srv${i}_0123456789abcdef`, `srv${i}`, `https://srv${i}.example/mcp`),
      registration: { client_id: `client-${i}` },
      issuer: 'https://as.example',
    };
    records.push(await store.put(refreshed(base)));
  }
  return records;
}

/** One commit (or lease + read + commit) on server `i`; answers its latency. */
async function once(c: Contender, i: number, mode: Mode): Promise<number> {
  const t = performance.now();
  let base = c.current[i]!;
  if (mode === 'refresh') {
    if (!(await c.store.acquireLease(base.server_key, 'bench', 30_000)))
      throw new Error('lease refused');
    const read = await c.store.read(base.server_key);
    if (read.status !== 'found') throw new Error('record missing');
    base = read.record;
  }
  const outcome = await c.store.commit(refreshed(base), base.generation);
  if (!outcome.committed) throw new Error(`CAS lost on ${base.server_key}`);
  c.current[i] = outcome.record;
  return performance.now() - t;
}

async function measure(
  c: Contender,
  mode: Mode,
): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  const workers = mode === 'commit ×16' ? 16 : 1;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      // Each worker owns its own servers, so in-flight commits never race on one record.
      for (let k = w; performance.now() < deadline; k += workers) {
        latencies.push(await once(c, k % servers, mode));
      }
    }),
  );
  return { perSecond: (latencies.length * 1000) / (performance.now() - start), latencies };
}

async function main(): Promise<void> {
  const load = new LoadSampler();
  const key = randomBytes(32);
  const dir = await mkdtemp(join(tmpdir(), 'mcpproxy-bench-store-'));
  const contenders: Contender[] = [];
  const clusters: BenchPostgres[] = [];
  const notes: string[] = [];
  try {
    const lmdb = await openLmdbStore({ dataDir: dir, encryptionKey: key });
    contenders.push({ name: 'LMDB', store: lmdb, current: await seed(lmdb) });
    if (withPostgres) {
      try {
        const cluster = await startPostgres({ durable: true });
        clusters.push(cluster);
        const pg = await openPostgresStore({ url: cluster.url, encryptionKey: key });
        contenders.push({ name: 'PostgreSQL', store: pg, current: await seed(pg) });
      } catch (error) {
        notes.push(
          `PostgreSQL not measured: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        );
      }
    }
    const samples = new Map<string, Array<{ perSecond: number; latencies: number[] }>>();
    for (let round = 0; round < rounds; round++) {
      for (const mode of MODES) {
        const order = round % 2 === 0 ? contenders : [...contenders].reverse();
        for (const c of order) {
          const sample = await measure(c, mode);
          samples.set(`${c.name}/${mode}`, [...(samples.get(`${c.name}/${mode}`) ?? []), sample]);
          console.log(`round ${round + 1} ${c.name} ${mode}: ${fixed(sample.perSecond, 0)}/s`);
        }
      }
    }
    const table: Table = {
      caption: `${rounds} interleaved rounds of ${seconds} s per store and mode; ${servers} servers round-robin`,
      headers: ['store', 'mode', 'per second (median)', 'spread', 'latency p50', 'latency p99'],
      rows: contenders.flatMap((c) =>
        MODES.map((mode) => {
          const runs = samples.get(`${c.name}/${mode}`)!;
          const rates = runs.map((r) => r.perSecond);
          const lat = summarize(runs.flatMap((r) => r.latencies));
          return [
            c.name,
            mode,
            fixed(median(rates), 0),
            spread(rates, (x) => fixed(x, 0)),
            ms(lat.p50),
            ms(lat.p99),
          ];
        }),
      ),
    };
    const rate = (name: string, mode: Mode) =>
      median(samples.get(`${name}/${mode}`)?.map((r) => r.perSecond) ?? [NaN]);
    await saveResult(
      newResult({
        name: 'store-commits',
        title: '6. Refresh commits through the token store (issue 10)',
        load: load.stop(),
        command: commandLine('store-commits'),
        method: [
          "`commit`: one compare-and-swap `store.commit` of a refreshed record at a time, as one daemon's store actor commits " +
            '(records sealed with AES-256-GCM, LMDB: one synchronous write transaction each). `refresh`: the store work of one ' +
            'refresh in the daemon — take the per-server lease, read the record, commit (the commit releases the lease). ' +
            '`commit ×16`: 16 commits in flight on distinct servers (several replicas or processes).',
          "LMDB lives in a temp dir on this machine's disk; PostgreSQL 18 is an embedded cluster on loopback with its default " +
            'durability (fsync and synchronous_commit on), the store with its default pool of 4 connections.',
        ],
        targets: contenders.map((c) => ({
          figure: `${c.name}: refresh commits per second (sequential CAS)`,
          target: '–',
          value: fixed(rate(c.name, 'commit'), 0),
          met: null,
        })),
        tables: [table],
        notes,
      }),
    );
  } finally {
    for (const c of contenders) await c.store.close().catch(() => undefined);
    for (const cluster of clusters) await cluster.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
