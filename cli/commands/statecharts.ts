/** @module `mcpproxy statecharts export [--out DIR]`: writes each machine's JSON and Mermaid file. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { statechartFiles } from '../../services/statecharts/index.js';
import { UsageError } from '../../services/errors.js';
import { parseCommandArgs } from '../args.js';

export const STATECHARTS_HELP = `Usage: mcpproxy statecharts export [--out DIR]

Writes every machine's definition to DIR (default: ./statecharts):
  <machine>.json   the machine config, importable into Stately
  <machine>.mmd    a Mermaid stateDiagram-v2

Options:
  --out DIR   where to write (created if missing)
  -h, --help  show this help`;

export async function runStatecharts(argv: string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    out(STATECHARTS_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'export')
    throw new UsageError(
      `Unknown statecharts command "${sub}". Run "mcpproxy statecharts --help".`,
    );
  const { values } = parseCommandArgs('statecharts export', rest, { out: { type: 'string' } });
  if (values.help) {
    out(STATECHARTS_HELP);
    return 0;
  }
  const dir = resolve(values.out ?? 'statecharts');
  await mkdir(dir, { recursive: true });
  const files = statechartFiles();
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), content);
    out(`wrote ${join(dir, name)}`);
  }
  return 0;
}
