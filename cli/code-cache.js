/**
 * @module Runs the compiled CLI (one CommonJS file, cli/build.js) through `vm.Script` with a V8
 * code cache, as v8-compile-cache does: Node 20 caches no compiled code of its own. Plain
 * JavaScript: it runs before any TypeScript can.
 *
 * Compiling the 1.4 MB bundle costs a start ≈ 45 ms, and V8 compiles each function again as it
 * first runs. A cache made after the command ran a while holds those functions too: `serve` used
 * ≈ 120 ms less CPU until it listened, ≈ 150 ms less until 50 upstreams were connected
 * (bench/restart-connected.ts). So a command writes its cache (once per build) at its successful
 * exit or `WARM_MS` after it started, whichever comes first. Each command has its own (`serve`
 * runs other code than `auth status`); every `--help` shares one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/** Long enough for `serve` to have connected its upstreams, well before V8 flushes unused code. */
const WARM_MS = 10_000;
/** The cache file starts with the SHA-1 of the rest: V8 (release builds) checks only a header. */
const HASH_BYTES = 20;

/**
 * Runs the CommonJS bundle `file` with the code cache kept next to it for the command in `argv`
 * (without node and script). The bundle's directory is never changed once built (cli/build.js),
 * so V8's own checks (its version and flags, the source's length) are enough to key the cache.
 * `warmMs` (tests shorten it): when a command still running writes its cache.
 */
export function runWithCodeCache(file, argv, { warmMs = WARM_MS } = {}) {
  const cacheFile = `${file}.${cacheKey(argv)}.cache`;
  const cachedData = readCache(cacheFile);
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
    {
      filename: file,
      cachedData,
      // The bundle's only `import()` (node:crypto, in a fallback for runtimes without
      // globalThis.crypto) goes through Node's own loader.
      importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  if (cachedData === undefined || script.cachedDataRejected) writeLater(script, cacheFile, warmMs);
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}

/** `serve`, `auth` …; `help` for any `--help`; `main` for the rest (no command, `--version`). */
function cacheKey(argv) {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  return /^[a-z]+$/.test(argv[0] ?? '') ? argv[0] : 'main';
}

/** The V8 data of `path`, or undefined when it is missing or its hash does not match. */
function readCache(path) {
  let content;
  try {
    content = readFileSync(path);
  } catch {
    return undefined;
  }
  const data = content.subarray(HASH_BYTES);
  return sha1(data).equals(content.subarray(0, HASH_BYTES)) ? data : undefined;
}

/**
 * Writes the cache of `script` once: at an exit with code 0 (a failed or mistyped command ran
 * too little to be worth caching) or after `warmMs`, whichever comes first.
 */
function writeLater(script, path, warmMs) {
  let pending = true;
  const write = () => {
    if (!pending) return;
    pending = false;
    clearTimeout(timer);
    process.off('exit', onExit);
    writeCache(path, script.createCachedData());
  };
  const onExit = (code) => {
    if (code === 0) write();
  };
  const timer = setTimeout(write, warmMs).unref();
  process.on('exit', onExit);
}

/** Temp file and rename: processes starting meanwhile see the old cache, none or the new one. */
function writeCache(path, data) {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat([sha1(data), data]));
    renameSync(temp, path);
  } catch {
    // A cache is an optimisation: a read-only or full disk only means the next start compiles.
    rmSync(temp, { force: true });
  }
}

function sha1(data) {
  return createHash('sha1').update(data).digest();
}
