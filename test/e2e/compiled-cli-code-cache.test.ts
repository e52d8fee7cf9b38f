/**
 * The V8 code cache of the compiled CLI (cli/code-cache.js), on a small project built by
 * cli/build.js: a cache per command written once, used by the next start, replaced when corrupt.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledEntry } from '../../cli/build.js';
import { BIN } from '../helpers/proxy-process.js';
import { tmpDirs } from '../helpers/tmp-dir.js';

const exec = promisify(execFile);
const dirs = tmpDirs('mcpproxy-code-cache-');
afterEach(() => dirs.cleanup());

const CODE_CACHE = new URL('../../cli/code-cache.js', import.meta.url).href;

/**
 * `main.ts` prints hello and its command; `fail` exits 1; a second argument stays that many ms,
 * then exits 3.
 */
const MAIN = `
const [command, stayMs] = process.argv.slice(2);
console.log(\`hello \${command}\`);
if (command === 'fail') process.exitCode = 1;
if (stayMs) setTimeout(() => process.exit(3), Number(stayMs));
`;

interface Compiled {
  bundle: string;
  /** Runs the bundle as bin.js does, with `argv`; its stdout and exit code. */
  run(argv: string[], warmMs?: number): Promise<{ stdout: string; code: number }>;
}

async function compiled(): Promise<Compiled> {
  const root = await dirs.make();
  await mkdir(join(root, 'cli'));
  await writeFile(join(root, 'package.json'), '{ "type": "module" }');
  await writeFile(join(root, 'tsconfig.json'), '{}');
  await writeFile(join(root, 'cli', 'main.ts'), MAIN);
  const runner = join(root, 'run.mjs');
  await writeFile(
    runner,
    `import { runWithCodeCache } from '${CODE_CACHE}';\n` +
      'const [file] = process.argv.splice(2, 1);\n' +
      'runWithCodeCache(file, process.argv.slice(2), { warmMs: Number(process.env.WARM_MS) });\n',
  );
  const bundle = fileURLToPath(await compiledEntry(root));
  return {
    bundle,
    async run(argv, warmMs = 10_000) {
      const env = { ...process.env, WARM_MS: String(warmMs) };
      try {
        const { stdout } = await exec(process.execPath, [runner, bundle, ...argv], { env });
        return { stdout: stdout.trim(), code: 0 };
      } catch (error) {
        const { stdout, code } = error as { stdout: string; code: number };
        return { stdout: stdout.trim(), code };
      }
    },
  };
}

/** The cache's inode: a cache V8 rejected (or one that is corrupt) is replaced by a rename. */
async function inode(path: string): Promise<number> {
  return (await stat(path)).ino;
}

describe('the code cache of the compiled CLI (cli/code-cache.js)', () => {
  it('writes a cache for the command at its exit, which the next start runs from', async () => {
    const cli = await compiled();
    expect(await cli.run(['serve'])).toEqual({ stdout: 'hello serve', code: 0 });
    const cache = `${cli.bundle}.serve.cache`;
    const written = await inode(cache);

    expect(await cli.run(['serve'])).toEqual({ stdout: 'hello serve', code: 0 });
    expect(await inode(cache)).toBe(written);
    // V8 checks only the source's length (why a cache belongs to one build): an edit of the same
    // length still runs the code the cache holds, which shows that the start used it.
    const source = await readFile(cli.bundle, 'utf8');
    await writeFile(cli.bundle, source.replace('hello', 'HELLO'));
    expect(await cli.run(['serve'])).toEqual({ stdout: 'hello serve', code: 0 });
    expect(await cli.run(['upstream'])).toEqual({ stdout: 'HELLO upstream', code: 0 });
  });

  it('keeps a cache per command, and one for every --help', async () => {
    const cli = await compiled();
    await cli.run(['upstream']);
    await cli.run(['serve', '--help']);
    await cli.run(['--help']);
    await expect(stat(`${cli.bundle}.upstream.cache`)).resolves.toBeDefined();
    await expect(stat(`${cli.bundle}.help.cache`)).resolves.toBeDefined();
    await expect(stat(`${cli.bundle}.serve.cache`)).rejects.toThrow();
  });

  it('runs despite a corrupted cache, which V8 alone would accept, and replaces it', async () => {
    const cli = await compiled();
    await cli.run(['serve']);
    const cache = `${cli.bundle}.serve.cache`;
    const content = await readFile(cache);
    // Past V8's header (which it checks) and our hash: the compiled code itself.
    content[Math.floor(content.length / 2)] ^= 0x55;
    await writeFile(cache, content);
    const corrupted = await inode(cache);

    expect(await cli.run(['serve'])).toEqual({ stdout: 'hello serve', code: 0 });
    const replaced = await inode(cache);
    expect(replaced).not.toBe(corrupted);
    await cli.run(['serve']);
    expect(await inode(cache)).toBe(replaced);
  });

  it('runs despite a cache that is no cache at all, and replaces it', async () => {
    const cli = await compiled();
    const cache = `${cli.bundle}.serve.cache`;
    await writeFile(cache, 'not a cache');

    expect(await cli.run(['serve'])).toEqual({ stdout: 'hello serve', code: 0 });
    expect((await stat(cache)).size).toBeGreaterThan(100);
  });

  it('writes no cache for a command that failed', async () => {
    const cli = await compiled();
    expect(await cli.run(['fail'])).toEqual({ stdout: 'hello fail', code: 1 });
    await expect(stat(`${cli.bundle}.fail.cache`)).rejects.toThrow();
  });

  it('writes the cache of a long-running command once it ran warmMs, before it exits', async () => {
    const cli = await compiled();
    // Exit code 3: the exit itself writes no cache.
    expect(await cli.run(['serve', '1500'], 200)).toEqual({ stdout: 'hello serve', code: 3 });
    await expect(stat(`${cli.bundle}.serve.cache`)).resolves.toBeDefined();
  });

  it('is how cli/bin.js runs mcpproxy', async () => {
    await exec(process.execPath, [BIN, '--version']);
    const bundle = fileURLToPath(await compiledEntry());
    await expect(stat(`${bundle}.main.cache`)).resolves.toBeDefined();
  }, 60_000);
});
