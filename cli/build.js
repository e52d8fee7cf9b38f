/**
 * @module The compiled CLI: `cli/main.ts` and everything it imports, bundled to JavaScript with
 * esbuild (the one tsx runs on) into `node_modules/.cache/mcpproxy/<build>/main.cjs`, so a
 * command starts without transforming and resolving every TypeScript file through a loader
 * (≈ 1.2 s of CPU less for `serve`). One CommonJS file, not ES modules: only a script can be
 * given a V8 code cache on Node 20 (cli/code-cache.js); modules only some commands use still run
 * only when imported (esbuild defers their top-level code). Plain JavaScript: it runs before any
 * TypeScript can.
 *
 * A build is reused only while every file it was made from is unchanged: its `inputs.json` lists
 * each input (project sources and bundled packages, from esbuild's metafile, plus package.json,
 * tsconfig.json and this file) with the mtime and size it had; one `stat` per input decides. A
 * file modified less than `SETTLE_MS` before the build started (or during it) is recorded as
 * unknown, so the next start builds again: an edited source never runs stale. Builds go to a
 * fresh directory renamed into place, and `current.json` (the newest build) is replaced by a
 * rename too, so processes starting at once never see half a build; older builds are removed
 * after `KEEP_OLD_MS`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SETTLE_MS = 2_000;
const KEEP_OLD_MS = 60 * 60_000;

/**
 * Packages loaded from node_modules at run time, not bundled: native addons (lmdb), pino-pretty
 * (loaded by file name, only for pretty output), optional native helpers (ws, pg) and what only
 * some commands load (pg, ws, the Stately inspector). pino itself is bundled: mcpproxy writes
 * to a stream, never through pino's worker-thread transports (which load files by name), and
 * loading its ≈ 20 files through Node's CommonJS loader cost every start ≈ 20–30 ms.
 */
const EXTERNAL = ['lmdb', 'pino-pretty', 'pg', 'ws', '@statelyai/inspect'];

/**
 * `import.meta.url` of bundled packages: the bundle's own, as in the ES modules they come from
 * (project files keep their source's, see `projectMetaUrl`).
 */
const META_URL_BANNER =
  "var __mcpproxyMetaUrl = require('node:url').pathToFileURL(__filename).href;";

/**
 * The `file:` URL of the compiled `<root>/cli/main.ts`, building it first when it is missing or
 * stale. `root` is the package (a test passes a project of its own).
 */
export async function compiledEntry(root = ROOT) {
  const cache = join(root, 'node_modules', '.cache', 'mcpproxy');
  const current = await readCurrent(cache);
  if (current && (await unchanged(join(cache, current)))) return entryOf(cache, current);
  const build = await buildCli(root, cache);
  await pruneOldBuilds(cache, build);
  return entryOf(cache, build);
}

function entryOf(cache, build) {
  return pathToFileURL(join(cache, build, 'main.cjs')).href;
}

async function readCurrent(cache) {
  try {
    return JSON.parse(await readFile(join(cache, 'current.json'), 'utf8')).build;
  } catch {
    return undefined;
  }
}

/**
 * True when every input of the build in `dir` still has the mtime and size it was built from
 * (synchronous stats: ≈ 560 of them take ≈ 3 ms, a tenth of the same through the thread pool).
 */
async function unchanged(dir) {
  let inputs;
  try {
    inputs = JSON.parse(await readFile(join(dir, 'inputs.json'), 'utf8'));
  } catch {
    return false;
  }
  return inputs.every(([path, mtimeMs, size]) => {
    const now = statSync(path, { throwIfNoEntry: false });
    return now !== undefined && now.mtimeMs === mtimeMs && now.size === size;
  });
}

/** Bundles `cli/main.ts` into a new build directory and makes it the current one; its name. */
async function buildCli(root, cache) {
  // esbuild comes with tsx (a dependency), so it is resolved from there.
  const { build } = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))(
    'esbuild',
  );
  const started = Date.now();
  const name = `build-${started.toString(36)}-${randomBytes(4).toString('hex')}`;
  const temp = join(cache, `.tmp-${name}`);
  await mkdir(cache, { recursive: true });
  try {
    await bundleInto(build, root, temp, started);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  await rename(temp, join(cache, name));
  await writeAtomically(join(cache, 'current.json'), JSON.stringify({ build: name }));
  return name;
}

/** Runs esbuild on `root` into `dir` and writes the build's `inputs.json` there. */
async function bundleInto(build, root, dir, started) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['cli/main.ts'],
    outdir: dir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    sourcemap: 'linked',
    sourcesContent: false,
    minifyWhitespace: true,
    minifySyntax: true,
    define: { 'import.meta.url': '__mcpproxyMetaUrl' },
    banner: { js: META_URL_BANNER },
    metafile: true,
    logLevel: 'silent',
    plugins: [projectMetaUrl, englishZodOnly],
  });
  // Any other `import.meta` (dirname, resolve …) would be an empty object in CommonJS.
  const meta = result.warnings.find((warning) => warning.id === 'empty-import-meta')?.location;
  if (meta) throw new Error(`${meta.file}:${meta.line}: only import.meta.url can be bundled`);
  // Inputs of a plugin's own namespace (`namespace:path`) are no files to watch.
  const sources = Object.keys(result.metafile.inputs)
    .filter((input) => !/^[a-z-]+:/.test(input))
    .map((input) => join(root, input));
  const extra = [join(root, 'package.json'), join(root, 'tsconfig.json'), SELF];
  const inputs = await Promise.all([...sources, ...extra].map((path) => inputEntry(path, started)));
  await writeFile(join(dir, 'inputs.json'), JSON.stringify(inputs));
}

/** `[path, mtimeMs, size]`; an mtime of -1 (never equal) when the file may have changed while building. */
async function inputEntry(path, started) {
  const { mtimeMs, size } = await stat(path);
  return [path, mtimeMs > started - SETTLE_MS ? -1 : mtimeMs, size];
}

/**
 * Project files keep the `import.meta.url` of their source location (the version reads
 * `../package.json`, the dashboard its `assets/` folder), not the bundle's.
 */
const projectMetaUrl = {
  name: 'project-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      if (path.includes(`${sep}node_modules${sep}`)) return undefined;
      const source = await readFile(path, 'utf8');
      return {
        contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)),
        loader: 'ts',
      };
    });
  },
};

/**
 * zod's error messages in the ≈ 60 languages other than English: zod puts every locale in the
 * bundle (its `z.locales` namespace), ≈ 300 KB that each start of every command parsed, and
 * mcpproxy never switches zod's language. Each such locale becomes an empty one.
 */
const englishZodOnly = {
  name: 'english-zod-only',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/[a-z]{2,3}(-[A-Za-z]+)?\.js$/ }, ({ path, importer }) => {
      if (!/[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/.test(importer)) return undefined;
      if (path === './en.js') return undefined;
      return { path, namespace: 'zod-locale-unused' };
    });
    builder.onLoad({ filter: /.*/, namespace: 'zod-locale-unused' }, () => ({
      contents: 'export default function unusedLocale() { return {}; }',
      loader: 'js',
    }));
  },
};

async function writeAtomically(path, content) {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}

/** Removes builds other than `keep` that are older than `KEEP_OLD_MS` (best effort). */
async function pruneOldBuilds(cache, keep) {
  const names = await readdir(cache).catch(() => []);
  for (const name of names) {
    if (name === keep || !/^(\.tmp-)?build-/.test(name)) continue;
    const path = join(cache, name);
    const old = await stat(path).then(
      (s) => Date.now() - s.mtimeMs > KEEP_OLD_MS,
      () => false,
    );
    if (old) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}
