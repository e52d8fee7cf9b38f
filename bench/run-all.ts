/**
 * @module `npm run bench`: runs every bench in its own process, one after the other (so memory
 * and CPU figures of one never include another), then prints the summary of docs/benchmarks.md.
 * `npm run bench -- --only actor-scale,rest-load` runs a subset; arguments after `--` that are not
 * `--only` are not passed on (each bench has its own options: run it alone to set them).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { option } from './lib/args.js';
import { REPO, renderDocument, writeDocument } from './lib/report.js';

const ALL = [
  'actor-scale',
  'restart-connected',
  'proxy-overhead',
  'rest-load',
  'refresh-precision',
  'store-commits',
];

function run(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', `${name}.ts`)], {
      cwd: REPO,
      stdio: 'inherit',
    });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

const only = option('only', '');
const names = only ? only.split(',').map((n) => n.trim()) : ALL;
const unknown = names.filter((n) => !ALL.includes(n));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (have ${ALL.join(', ')})`);
  process.exit(2);
}
/**
 * A pause between benches: the one before (the actor-scale run spends 80 s of CPU, and its
 * garbage collection and page cache settle afterwards) must not slow the start of the next.
 */
const SETTLE_MS = 10_000;
const failed: string[] = [];
for (const [index, name] of names.entries()) {
  if (index > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  console.log(`\n=== bench/${name}.ts ===`);
  const started = performance.now();
  if ((await run(name)) !== 0) failed.push(name);
  console.log(`=== ${name}: ${((performance.now() - started) / 1000).toFixed(0)} s ===`);
}
await writeDocument();
const document = await renderDocument();
const summary = document.slice(
  document.indexOf('## Summary'),
  document.indexOf('\n## ', document.indexOf('## Summary') + 3),
);
console.log(`\n${summary}`);
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
