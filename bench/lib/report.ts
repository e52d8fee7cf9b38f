/**
 * @module Benchmark results: each bench saves its figures to `bench/results/<name>.json`, prints
 * them as a table, and re-renders docs/benchmarks.md from every saved result, so any bench run
 * alone still leaves a complete, current document.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { machineInfo, type MachineInfo } from './machine.js';

export const REPO = join(import.meta.dirname, '..', '..');
const RESULTS = join(REPO, 'bench', 'results');
const DOC = join(REPO, 'docs', 'benchmarks.md');
/** Hand-written analysis (profiles, causes, fixes) placed after the summary. */
const FINDINGS = join(REPO, 'bench', 'findings.md');

/** One target line of the summary table. */
export interface TargetLine {
  figure: string;
  target: string;
  value: string;
  /** Whether the target is met; null for figures without a target. */
  met: boolean | null;
}

export interface Table {
  caption?: string;
  headers: string[];
  rows: string[][];
}

/** What one bench saves. */
export interface BenchResult {
  /** File name of the bench without `.ts` (`actor-scale`). */
  name: string;
  /** Section title in the document. */
  title: string;
  /** ISO date-time of the run. */
  date: string;
  machine: MachineInfo;
  /** 1-minute load average seen while it ran (`min–max`). */
  load: string;
  /** How to run it again. */
  command: string;
  /** What was measured and how, in a few sentences. */
  method: string[];
  targets: TargetLine[];
  tables: Table[];
  notes: string[];
}

/** Order of the sections in docs/benchmarks.md. */
const ORDER = [
  'actor-scale',
  'restart-connected',
  'proxy-overhead',
  'rest-load',
  'refresh-precision',
  'store-commits',
];

/** Fills in date and machine. */
export function newResult(fields: Omit<BenchResult, 'date' | 'machine'>): BenchResult {
  return { ...fields, date: new Date().toISOString(), machine: machineInfo() };
}

function markdownTable(table: Table): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const lines = [
    `| ${table.headers.map(escape).join(' | ')} |`,
    `| ${table.headers.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ];
  return (table.caption ? `${table.caption}\n\n` : '') + lines.join('\n');
}

function verdict(met: boolean | null): string {
  return met === null ? '–' : met ? 'met' : '**missed**';
}

function targetTable(result: BenchResult): Table {
  return {
    headers: ['figure', 'target', 'measured', ''],
    rows: result.targets.map((t) => [t.figure, t.target, t.value, verdict(t.met)]),
  };
}

function section(result: BenchResult): string {
  const m = result.machine;
  return [
    `## ${result.title}`,
    '',
    `Run ${result.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cores} × ${m.cpu}, ${m.memory}, ` +
      `Node ${m.node}, ${m.os}; 1-min load average during the run ${result.load}.`,
    '',
    'Reproduce: `' + result.command + '`',
    '',
    ...result.method.map((line) => line),
    '',
    markdownTable(targetTable(result)),
    '',
    ...result.tables.flatMap((table) => [markdownTable(table), '']),
    ...(result.notes.length ? [...result.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

const INTRO = `# Benchmarks

Figures of the benchmarks in \`bench/\`, written by the benchmarks themselves (do not edit by
hand: the figures come from \`bench/results/*.json\`, the analysis from \`bench/findings.md\`).
Run all of them with \`npm run bench\`, or one alone with \`npx tsx bench/<name>.ts\`; each run
updates its own section below and the summary (\`--no-save\` prints a trial run and writes
nothing). Benchmarks are never part of \`npm test\`: tests assert behaviour, these files hold
the timings.

The machine is shared: other engineers run test suites on it while benchmarks run, so each
section states the load average it saw. Comparisons (proxy vs direct vs mcp-hub vs a byte
forwarder) interleave their runs in one session so that background load hits every contender
alike; repeated runs are reported as a median with the spread (min–max) across runs.
`;

/** Renders the whole document from the saved results. */
export async function renderDocument(): Promise<string> {
  const results = await loadResults();
  const summary: Table = {
    headers: ['bench', 'figure', 'target', 'measured', '', 'run'],
    rows: results.flatMap((r) =>
      r.targets
        .filter((t) => t.met !== null)
        .map((t) => [r.name, t.figure, t.target, t.value, verdict(t.met), r.date.slice(0, 10)]),
    ),
  };
  const pending = ORDER.filter((name) => !results.some((r) => r.name === name));
  const findings = await readFile(FINDINGS, 'utf8').catch(() => '');
  return [
    INTRO,
    '## Summary',
    '',
    markdownTable(summary),
    '',
    ...(pending.length ? [`Not run yet: ${pending.join(', ')}.`, ''] : []),
    ...(findings ? [findings.trim(), ''] : []),
    ...results.map(section),
  ].join('\n');
}

async function loadResults(): Promise<BenchResult[]> {
  const files = (await readdir(RESULTS).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.json'),
  );
  const results = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(RESULTS, f), 'utf8')) as BenchResult),
  );
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return results.sort((a, b) => rank(a.name) - rank(b.name));
}

/** Writes `text` to `file` in the repository's Prettier style (so `prettier --check .` passes). */
async function writePretty(file: string, text: string): Promise<void> {
  // Loaded only now, after the measurements: prettier adds ≈ 90 MB to the process's RSS.
  const { format, resolveConfig } = await import('prettier');
  const options = (await resolveConfig(file)) ?? {};
  await writeFile(file, await format(text, { ...options, filepath: file }));
}

/** Re-renders docs/benchmarks.md from the saved results and bench/findings.md. */
export async function writeDocument(): Promise<void> {
  await writePretty(DOC, await renderDocument());
}

/**
 * Prints `result` as tables, saves it and re-renders docs/benchmarks.md (not with `--no-save`).
 */
export async function saveResult(result: BenchResult): Promise<void> {
  printResult(result);
  if (process.argv.includes('--no-save')) return; // a trial run: print only
  await mkdir(RESULTS, { recursive: true });
  await writePretty(join(RESULTS, `${result.name}.json`), JSON.stringify(result));
  await writeDocument();
  console.log(`\nwrote bench/results/${result.name}.json and docs/benchmarks.md`);
}

function printResult(result: BenchResult): void {
  console.log(`\n${result.title}  (load ${result.load})`);
  console.table(
    result.targets.map((t) => ({
      figure: t.figure,
      target: t.target,
      measured: t.value,
      verdict: t.met === null ? '' : t.met ? 'met' : 'MISSED',
    })),
  );
  for (const table of result.tables) {
    if (table.caption) console.log(table.caption);
    console.table(
      table.rows.map((row) => Object.fromEntries(table.headers.map((h, i) => [h, row[i]]))),
    );
  }
}
