/**
 * @module `mcpServers` in both shapes: an array of entries with `name`, or an object map
 * name → entry (Claude Desktop / Cursor). Names are unique.
 */
import type { ServerEntry } from './config.types.js';
import type { DuplicateKey } from './json-text.js';
import { got, isObject } from './problems.js';
import type { Problems } from './problems.js';
import { parseServerEntry } from './server-entry.js';

/** Reads `mcpServers` (absent → no servers). `duplicates` are keys JSON.parse collapsed. */
export function parseServers(
  p: Problems,
  raw: unknown,
  duplicates: readonly DuplicateKey[] = [],
  order?: readonly string[],
): ServerEntry[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return unique(p, fromArray(p, raw));
  if (isObject(raw)) return unique(p, fromMap(p, raw, duplicates, order));
  p.error(
    '',
    `"mcpServers" must be an array of entries with "name", or an object of name → entry ${got(raw)}`,
  );
  return [];
}

/** An entry and where it is; `entry` is null when it has problems (its name still counts). */
interface Located {
  where: string;
  name: string | null;
  entry: ServerEntry | null;
}

function fromArray(p: Problems, raw: unknown[]): Located[] {
  const out: Located[] = [];
  raw.forEach((item, i) => {
    const name = isObject(item) && typeof item.name === 'string' ? item.name : null;
    const where = name === null ? `mcpServers[${i}]` : `mcpServers[${i}] (${JSON.stringify(name)})`;
    if (!isObject(item)) {
      p.error(
        where,
        `each entry must be an object with "name" and "url" or "command" ${got(item)}`,
      );
      return;
    }
    if (name === null) {
      const hint = '"name" is required: a string naming the server, e.g. "github"';
      p.error(where, Object.hasOwn(item, 'name') ? `${hint} ${got(item.name)}` : hint);
    }
    out.push({ where, name, entry: parseServerEntry(p, where, item, name) });
  });
  return out;
}

function fromMap(
  p: Problems,
  raw: Record<string, unknown>,
  duplicates: readonly DuplicateKey[],
  order: readonly string[] = Object.keys(raw),
): Located[] {
  for (const dup of duplicates) {
    if (dup.path.length === 1 && dup.path[0] === 'mcpServers') {
      p.error(
        `mcpServers[${JSON.stringify(dup.key)}]`,
        `server ${JSON.stringify(dup.key)} is defined twice (again at line ${dup.line}): names must be unique`,
      );
    }
  }
  const out: Located[] = [];
  // File order: Object.keys would list integer-like names ("1", "42") first.
  for (const key of order.filter((k) => Object.hasOwn(raw, k))) {
    const item = raw[key];
    const where = `mcpServers[${JSON.stringify(key)}]`;
    if (!isObject(item)) {
      p.error(where, `each entry must be an object with "url" or "command" ${got(item)}`);
      continue;
    }
    const inner = Object.hasOwn(item, 'name') ? item.name : undefined;
    if (inner !== undefined && inner !== key) {
      p.error(
        where,
        `"name" must match the key ${JSON.stringify(key)} or be left out ${got(inner)}`,
      );
    }
    out.push({ where, name: key, entry: parseServerEntry(p, where, item, key) });
  }
  return out;
}

/**
 * Reports names used twice, among all entries: an entry with other problems still takes its
 * name, so every problem is listed in one pass.
 */
function unique(p: Problems, located: Located[]): ServerEntry[] {
  const firstWhere = new Map<string, string>();
  for (const { where, name } of located) {
    if (name === null) continue;
    const first = firstWhere.get(name);
    if (first === undefined) firstWhere.set(name, where);
    else
      p.error(
        where,
        `"name" ${JSON.stringify(name)} is already used by ${first}: names must be unique`,
      );
  }
  return located.flatMap(({ entry }) => (entry ? [entry] : []));
}
