/**
 * The compiled CLI that `cli/bin.js` runs (cli/build.js), on a small project of its own: a build
 * is reused while nothing changed, an edited source is rebuilt (never run stale), processes
 * starting at once all get a complete build, `import.meta.url` keeps naming the source file, and
 * a source that does not compile (or uses an `import.meta` the CommonJS bundle cannot give) is
 * an error (bin.js then runs through tsx).
 */
import { execFile } from 'node:child_process';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledEntry } from '../../cli/build.js';
import { tmpDirs } from '../helpers/tmp-dir.js';

const run = promisify(execFile);
const dirs = tmpDirs('mcpproxy-build-');
afterEach(() => dirs.cleanup());

/** A project whose `cli/main.ts` prints the word of `cli/word.ts` and its own `import.meta.url`. */
async function project(word: string): Promise<string> {
  const root = await dirs.make();
  await mkdir(join(root, 'cli'));
  await writeFile(join(root, 'package.json'), '{ "type": "module" }');
  await writeFile(join(root, 'tsconfig.json'), '{}');
  await writeFile(
    join(root, 'cli', 'main.ts'),
    "import { word } from './word.js';\nconsole.log(word, import.meta.url);\n",
  );
  await writeWord(root, word, 60_000);
  for (const file of ['package.json', 'tsconfig.json', 'cli/main.ts'])
    await settle(join(root, file), 60_000);
  return root;
}

async function writeWord(root: string, word: string, agoMs: number): Promise<void> {
  const path = join(root, 'cli', 'word.ts');
  await writeFile(path, `export const word: string = '${word}';\n`);
  await settle(path, agoMs);
}

/** Dates a file `agoMs` back, as a source edited a while before the command ran. */
async function settle(path: string, agoMs: number): Promise<void> {
  const time = new Date(Date.now() - agoMs);
  await utimes(path, time, time);
}

async function output(entry: string): Promise<string> {
  const { stdout } = await run(process.execPath, [fileURLToPath(entry)]);
  return stdout.trim();
}

describe('the compiled CLI (cli/build.js)', () => {
  it('runs the bundle, reuses it while no input changed, and names the source in import.meta.url', async () => {
    const root = await project('one');
    const entry = await compiledEntry(root);
    expect(await output(entry)).toBe(`one ${pathToFileURL(join(root, 'cli', 'main.ts')).href}`);
    expect(await compiledEntry(root)).toBe(entry);
  });

  it('rebuilds when a source changed, even to the same size', async () => {
    const root = await project('one');
    const first = await compiledEntry(root);
    await writeWord(root, 'two', 30_000);
    const second = await compiledEntry(root);
    expect(second).not.toBe(first);
    expect(await output(second)).toMatch(/^two /);
  });

  it('rebuilds again after a build that saw a just-edited source', async () => {
    const root = await project('one');
    await writeWord(root, 'two', 0);
    const first = await compiledEntry(root);
    expect(await compiledEntry(root)).not.toBe(first);
  });

  it('gives processes that start at once a complete build each', async () => {
    const root = await project('one');
    const entries = await Promise.all(Array.from({ length: 4 }, () => compiledEntry(root)));
    for (const entry of entries) expect(await output(entry)).toMatch(/^one /);
  });

  it('builds mcpproxy itself: a failed build would leave every command on the slow tsx path', async () => {
    // bin.js falls back to tsx silently, so only this shows that the real build (its plugins
    // included) still works.
    const entry = await compiledEntry();
    expect(entry).toMatch(
      /^file:.*[\\/]node_modules[\\/]\.cache[\\/]mcpproxy[\\/]build-[^/\\]+[\\/]main\.cjs$/,
    );
  }, 60_000);

  it('fails on an import.meta other than its url, which CommonJS would leave empty', async () => {
    const root = await project('one');
    await writeFile(
      join(root, 'cli', 'word.ts'),
      'export const word: string = import.meta.dirname;\n',
    );
    await expect(compiledEntry(root)).rejects.toThrow(/cli\/word\.ts:1: only import\.meta\.url/);
  });

  it('fails on a source that does not compile', async () => {
    const root = await project('one');
    await writeFile(join(root, 'cli', 'word.ts'), 'export const word: string = ;\n');
    await expect(compiledEntry(root)).rejects.toThrow();
  });
});
