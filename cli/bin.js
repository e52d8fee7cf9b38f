#!/usr/bin/env node
// Entry of the `mcpproxy` command: runs the CLI compiled to JavaScript (cli/build.js rebuilds it
// whenever a source changed) with a V8 code cache (cli/code-cache.js); where it cannot be built,
// runs the TypeScript through the tsx loader instead (Node 20 has no type stripping).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { compiledEntry } from './build.js';

const entry = await compiledEntry().catch((error) => {
  if (process.env.MCPPROXY_DEBUG)
    process.stderr.write(`mcpproxy: running through tsx, no build: ${error.stack}\n`);
  return undefined;
});
if (entry && process.env.MCPPROXY_DEBUG) {
  // With MCPPROXY_DEBUG (which prints stacks), stack traces name the TypeScript sources: Node's
  // own loader reads the source map, which it does not for a `vm.Script`. Not always: Node reads
  // the stack of every error that ends a stream (each aborted fetch), and mapping those through
  // the source maps cost `serve` ≈ 7 % more CPU connecting 50 upstreams.
  process.setSourceMapsEnabled(true);
  createRequire(import.meta.url)(fileURLToPath(entry));
} else if (entry) {
  const { runWithCodeCache } = await import('./code-cache.js');
  runWithCodeCache(fileURLToPath(entry), process.argv.slice(2));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
