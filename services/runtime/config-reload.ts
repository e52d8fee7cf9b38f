/**
 * @module Applies edits of the config file to a running `serve` (SPEC §1): servers added,
 * removed or changed reach the supervisor as `config.updated`, which spawns, stops and updates
 * their actors. A file that does not parse, or that disappeared, leaves the running servers as
 * they are and says why; settings only a restart can apply (listen, api_key, store, refresh,
 * as_budget_per_minute) are named in a warning.
 */
import type { AnyActorRef } from 'xstate';
import type { ServerSpec } from '../../machines/supervisor/supervisor.types.js';
import { watchConfigFile } from '../config/config-watcher.js';
import type { ConfigOverrides, ProxyConfig } from '../config/index.js';
import { loadConfig } from '../config/index.js';
import type { Logger } from '../logger/index.js';

export interface ConfigReloadOptions {
  path: string;
  overrides: ConfigOverrides;
  /** The configuration `serve` started with. */
  running: ProxyConfig;
  supervisor: AnyActorRef;
  logger: Logger;
  toSpecs: (config: ProxyConfig) => ServerSpec[];
  debounceMs?: number;
}

/** Settings read once at start. */
const RESTART_ONLY = ['listen', 'api_key', 'store', 'refresh', 'as_budget_per_minute'] as const;

const byName = (config: ProxyConfig) =>
  new Map(config.servers.map((entry) => [entry.name, JSON.stringify(entry)]));

/** Watches the config file and applies its server changes; answers `stop`. */
export function reloadConfigOnChange(options: ConfigReloadOptions): () => void {
  const { path, logger, supervisor } = options;
  let current = options.running;

  async function reload(): Promise<void> {
    let next: ProxyConfig;
    try {
      const loaded = await loadConfig(path, options.overrides);
      if (!loaded.found) {
        logger.warn(
          { config: path },
          'Config file removed: keeping the running servers (restart to start without them)',
        );
        return;
      }
      next = loaded.config;
      // As at start: unknown keys and ignored fields are said on every reload that has them.
      for (const warning of loaded.warnings) logger.warn({ config: path }, warning);
    } catch (error) {
      logger.warn(
        { config: path, error: error instanceof Error ? error.message : String(error) },
        'Config reload failed: keeping the running configuration',
      );
      return;
    }
    const before = byName(current);
    const after = byName(next);
    const added = [...after.keys()].filter((name) => !before.has(name));
    const removed = [...before.keys()].filter((name) => !after.has(name));
    const changed = [...after.keys()].filter(
      (name) => before.has(name) && before.get(name) !== after.get(name),
    );
    const restartOnly = RESTART_ONLY.filter(
      (key) => JSON.stringify(current[key]) !== JSON.stringify(next[key]),
    );
    current = { ...next, ...Object.fromEntries(restartOnly.map((key) => [key, current[key]])) };
    if (added.length + removed.length + changed.length > 0) {
      supervisor.send({ type: 'config.updated', servers: options.toSpecs(next) });
      logger.info({ config: path, added, removed, changed }, 'Config reloaded');
    } else {
      logger.debug({ config: path }, 'Config file changed: no server changed');
    }
    if (restartOnly.length > 0) {
      logger.warn(
        { config: path, settings: restartOnly },
        `Config reloaded: ${restartOnly.join(', ')} take effect after a restart of serve`,
      );
    }
  }

  return watchConfigFile(path, reload, {
    debounceMs: options.debounceMs,
    onUnwatchable: (error) =>
      logger.warn(
        { config: path, error: error.message },
        'Cannot watch the config file: edits apply after a restart of serve',
      ),
  });
}
