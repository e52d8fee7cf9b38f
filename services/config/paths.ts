/**
 * @module Where the data dir and config file are: flag, else environment, else default
 * (`~/.mcpproxy`, `<data-dir>/mcp_config.json`).
 */
import { isAbsolute, join, resolve } from 'node:path';

export interface PathInputs {
  flags: { config?: string; dataDir?: string };
  env: Record<string, string | undefined>;
  homedir: string;
  /** Base for relative paths. Default `process.cwd()`. */
  cwd?: string;
}

export interface ConfigPaths {
  dataDir: string;
  configPath: string;
}

/** Default config file name inside the data dir. */
export const CONFIG_FILE_NAME = 'mcp_config.json';

/**
 * Resolves the data dir (`--data-dir` > `$MCPPROXY_DATA_DIR` > `~/.mcpproxy`) and the config
 * path (`--config` > `$MCPPROXY_CONFIG` > `<data-dir>/mcp_config.json`) to absolute paths.
 * A leading `~` is expanded (environment values are not expanded by a shell); empty values
 * count as unset.
 */
export function resolvePaths(inputs: PathInputs): ConfigPaths {
  const { flags, env, homedir } = inputs;
  const cwd = inputs.cwd ?? process.cwd();
  const absolute = (p: string): string => {
    const expanded = p === '~' ? homedir : /^~[/\\]/.test(p) ? join(homedir, p.slice(2)) : p;
    return isAbsolute(expanded) ? resolve(expanded) : resolve(cwd, expanded);
  };
  const pick = (...values: (string | undefined)[]) =>
    values.find((v) => v !== undefined && v.trim() !== '');
  const dataDir = absolute(
    pick(flags.dataDir, env.MCPPROXY_DATA_DIR) ?? join(homedir, '.mcpproxy'),
  );
  const config = pick(flags.config, env.MCPPROXY_CONFIG);
  return { dataDir, configPath: config ? absolute(config) : join(dataDir, CONFIG_FILE_NAME) };
}
