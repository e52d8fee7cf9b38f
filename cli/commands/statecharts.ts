/** @module `mcpproxy statecharts export [--out DIR]`: writes each machine's JSON and Mermaid file. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { statechartFiles } from '../../services/statecharts/index.js';
import { ProxyError, UsageError } from '../../services/errors.js';
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
  if (sub === undefined) {
    // A usage error: the help goes to stderr, as any error does.
    process.stderr.write(`${STATECHARTS_HELP}\n`);
    return 2;
  }
  if (sub === '--help' || sub === '-h') {
    out(STATECHARTS_HELP);
    return 0;
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
  if (values.out !== undefined && values.out.trim() === '')
    throw new UsageError('--out must not be empty: pass a directory (default ./statecharts).');
  const dir = resolve(values.out ?? 'statecharts');
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw outError(error, dir);
  });
  const files = statechartFiles();
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, content).catch((error: unknown) => {
      throw writeError(error, path);
    });
    out(`wrote ${path}`);
  }
  return 0;
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** `--out` names something that cannot be (made) a directory: a sentence instead of errno. */
function outError(error: unknown, dir: string): Error {
  switch (errnoOf(error)) {
    case 'EEXIST':
      return new UsageError(`--out ${dir} is a file, not a directory: pass a directory.`);
    case 'ENOTDIR':
      return new UsageError(
        `--out ${dir} cannot be created: a parent of it is a file, not a directory.`,
      );
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new ProxyError(
        'write_failed',
        `Cannot create --out ${dir}: permission denied (or a read-only file system).`,
      );
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

function writeError(error: unknown, path: string): Error {
  switch (errnoOf(error)) {
    case 'EISDIR':
      return new UsageError(`Cannot write ${path}: a directory of that name is in the way.`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new ProxyError(
        'write_failed',
        `Cannot write ${path}: permission denied (or a read-only file system).`,
      );
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}
