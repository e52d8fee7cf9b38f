#!/usr/bin/env node
// Entry of the `mcpproxy` command: runs the CLI compiled to JavaScript (cli/build.js rebuilds it
// whenever a source changed); where it cannot be built, runs the TypeScript through the tsx
// loader instead (Node 20 has no type stripping).
import { compiledEntry } from './build.js';

const entry = await compiledEntry().catch((error) => {
  if (process.env.MCPPROXY_DEBUG)
    process.stderr.write(`mcpproxy: running through tsx, no build: ${error.stack}\n`);
  return undefined;
});
if (entry) {
  // With MCPPROXY_DEBUG (which prints stacks), stack traces name the TypeScript sources. Not
  // always: Node reads the stack of every error that ends a stream (each aborted fetch), and
  // mapping those through the source maps cost `serve` ≈ 7 % more CPU connecting 50 upstreams.
  if (process.env.MCPPROXY_DEBUG) process.setSourceMapsEnabled(true);
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
