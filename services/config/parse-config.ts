/**
 * @module Config text → `ProxyConfig`. Pure: the environment and `--listen` come in as
 * arguments. Every problem is collected and thrown as one `ConfigError`, one problem per line.
 */
import { ConfigError } from '../errors.js';
import type { ConfigOverrides, ParsedConfig } from './config.types.js';
import { own, warnUnknownKeys } from './fields.js';
import type { Fields } from './fields.js';
import { formatPath, parseJsonText } from './json-text.js';
import type { DuplicateKey } from './json-text.js';
import { got, isObject, Problems } from './problems.js';
import { parseServers } from './servers.js';
import { readApiKey, readBudget, readListen, readRefresh } from './settings.js';
import { readStore } from './store-settings.js';

const KNOWN = [
  '$schema',
  'listen',
  'api_key',
  'refresh',
  'as_budget_per_minute',
  'store',
  'mcpServers',
];

/** What the JSON text says beyond its value. */
export interface SourceFacts {
  /** Keys written twice (JSON.parse keeps the last). */
  duplicates?: readonly DuplicateKey[];
  /** The `mcpServers` map's keys in file order. */
  serverOrder?: readonly string[];
}

/**
 * Parses and validates config text. `fileLabel` starts every message (the path or file name).
 * Throws `ConfigError` (and nothing else) listing every problem; bad JSON gives line:column.
 */
export function parseConfig(
  text: string,
  fileLabel: string,
  overrides: ConfigOverrides = {},
): ParsedConfig {
  const json = parseJsonText(text);
  if (!json.ok) {
    const path = json.path.length > 60 ? `${json.path.slice(0, 57)}...` : json.path;
    const inside = path ? ` (in ${path})` : '';
    throw new ConfigError(
      `${fileLabel}:${json.line}:${json.column}: invalid JSON${inside}: ${json.message}`,
    );
  }
  return buildConfig(json.value, fileLabel, overrides, {
    duplicates: json.duplicates,
    serverOrder: json.keyOrder.get(JSON.stringify(['mcpServers'])),
  });
}

/**
 * Validates an already-parsed JSON value (what `parseConfig` does after parsing). Also used
 * with `{}` when there is no config file, so overrides and their checks still apply.
 */
export function buildConfig(
  raw: unknown,
  fileLabel: string,
  overrides: ConfigOverrides = {},
  source: SourceFacts = {},
): ParsedConfig {
  const duplicates = source.duplicates ?? [];
  const p = new Problems(fileLabel);
  const env = overrides.env ?? {};
  if (!isObject(raw)) {
    p.error('', `the top level must be a JSON object like {"mcpServers": {}} ${got(raw)}`);
    p.throwIfAny();
  }
  const obj = raw as Record<string, unknown>;
  const f: Fields = { p, where: '', obj, prefix: '' };
  warnUnknownKeys(f, KNOWN);
  for (const dup of duplicates) {
    if (dup.path.length === 1 && dup.path[0] === 'mcpServers') continue; // an error in servers.ts
    p.warn(
      formatPath(dup.path),
      `"${dup.key}" appears twice (line ${dup.line}); the last one is used`,
    );
  }
  const listen = readListen(f, overrides.listenOverride);
  const listenSource = overrides.listenOverride !== undefined ? '--listen' : '"listen"';
  const config = {
    listen,
    api_key: readApiKey(f, env, listen, listenSource),
    refresh: readRefresh(f),
    as_budget_per_minute: readBudget(f),
    store: readStore(f, env),
    servers: parseServers(p, own(obj, 'mcpServers'), duplicates, source.serverOrder),
  };
  p.throwIfAny();
  return { config, warnings: p.warnings };
}
