/**
 * @module Where a soak run leaves its figures: one JSON line per soak (also printed), appended to
 * `$SOAK_REPORT` or `<tmp>/mcpproxy-soak-report.jsonl`; docs/reliability.md quotes the last run.
 */
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The report file of this run. */
export const REPORT_PATH = process.env.SOAK_REPORT ?? join(tmpdir(), 'mcpproxy-soak-report.jsonl');

/** Records the figures of one soak. */
export function report(soak: string, figures: Record<string, unknown>): void {
  // The machine is shared: the load average says how busy it was while the soak ran.
  const machine = { cpus: cpus().length, loadavg_1m: Number(loadavg()[0]!.toFixed(1)) };
  const line = JSON.stringify({ soak, at: new Date().toISOString(), ...figures, machine });
  process.stdout.write(`SOAK ${line}\n`);
  appendFileSync(REPORT_PATH, `${line}\n`);
}
