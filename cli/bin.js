#!/usr/bin/env node
// Entry of the `mcpproxy` command: registers the TypeScript loader (Node 20 has no type
// stripping), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
