/** @module Reads the config file from disk: missing → zero servers (not an error). */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { ConfigOverrides, LoadedConfig } from './config.types.js';
import { buildConfig, parseConfig } from './parse-config.js';

/**
 * Loads and validates the config at `path`. A missing file gives the default configuration
 * with zero servers and `found: false`; overrides (`--listen`, `$MCPPROXY_STORE_URL`,
 * `$MCPPROXY_API_KEY`) apply either way. Any problem throws one `ConfigError` naming the file.
 */
export async function loadConfig(
  path: string,
  options: ConfigOverrides = {},
): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ...buildConfig({}, path, options), found: false };
    throw new ConfigError(`${path}: cannot read the config file: ${describeReadError(code)}`);
  }
  return { ...parseConfig(text, path, options), found: true };
}

function describeReadError(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (check the file mode and owner)';
    case 'EISDIR':
      return 'it is a directory; --config / $MCPPROXY_CONFIG must name a JSON file';
    case 'ENOTDIR':
      return 'a parent of the path is not a directory';
    default:
      return code ?? 'unknown error';
  }
}
