/**
 * @module Where the data dir and config file are: flag, else environment, else default
 * (`~/.mcpproxy`, `<data-dir>/mcp_config.json`).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

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
  /**
   * Who named the config file: `--config`, `$MCPPROXY_CONFIG`, or null for the default in the
   * data dir. A file someone named explicitly is worth a warning when it is missing.
   */
  configSource: '--config' | '$MCPPROXY_CONFIG' | null;
}

/** Default config file name inside the data dir. */
export const CONFIG_FILE_NAME = 'mcp_config.json';

/**
 * Resolves the data dir (`--data-dir` > `$MCPPROXY_DATA_DIR` > `~/.mcpproxy`) and the config
 * path (`--config` > `$MCPPROXY_CONFIG` > `<data-dir>/mcp_config.json`) to absolute paths.
 * A leading `~` is expanded (environment values are not expanded by a shell); empty variables
 * count as unset. An empty flag (`--data-dir "$UNSET"`) is a `UsageError`: falling back to
 * `~/.mcpproxy` there would touch the user's real token store.
 */
export function resolvePaths(inputs: PathInputs): ConfigPaths {
  const { flags, env, homedir } = inputs;
  if (flags.dataDir !== undefined && flags.dataDir.trim() === '')
    throw new UsageError(
      '--data-dir must not be empty: pass a directory, or leave the flag out to use $MCPPROXY_DATA_DIR or ~/.mcpproxy.',
    );
  if (flags.config !== undefined && flags.config.trim() === '')
    throw new UsageError(
      '--config must not be empty: pass a config file, or leave the flag out to use $MCPPROXY_CONFIG or <data-dir>/mcp_config.json.',
    );
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
  const configSource = flags.config
    ? '--config'
    : pick(env.MCPPROXY_CONFIG)
      ? '$MCPPROXY_CONFIG'
      : null;
  const config = pick(flags.config, env.MCPPROXY_CONFIG);
  return {
    dataDir,
    configPath: config ? absolute(config) : join(dataDir, CONFIG_FILE_NAME),
    configSource,
  };
}
