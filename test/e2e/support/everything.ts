/**
 * @module The reference MCP server (`@modelcontextprotocol/server-everything`) as an upstream of
 * e2e configs: run over stdio by this Node.
 */
import { join } from 'node:path';
import { REPO } from '../../helpers/proxy-process.js';

export const EVERYTHING = join(
  REPO,
  'node_modules',
  '@modelcontextprotocol',
  'server-everything',
  'dist',
  'index.js',
);

/** A config entry that runs it over stdio as `name`. */
export function everythingStdio(name = 'everything') {
  return { name, protocol: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] };
}
