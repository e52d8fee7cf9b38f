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
  // Stack traces name the TypeScript sources, as they do under tsx.
  process.setSourceMapsEnabled(true);
  await import(entry);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
