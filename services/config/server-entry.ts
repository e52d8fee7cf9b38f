/**
 * @module One `mcpServers` entry → `ServerEntry`: name, protocol (or Cursor/Claude `type`),
 * url or command, process settings, headers, enabled/disabled, oauth.
 */
import type { ServerEntry } from './config.types.js';
import {
  own,
  readBoolean,
  readString,
  readStringArray,
  readStringMap,
  warnUnknownKeys,
} from './fields.js';
import type { Fields } from './fields.js';
import { parseOAuth } from './oauth-settings.js';
import { got } from './problems.js';
import type { Problems } from './problems.js';
import { resolveProtocol } from './protocol.js';

/** Server names: they prefix tool names (`<name>__<tool>`) and store keys. */
export const SERVER_NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

const KNOWN = [
  'name',
  'protocol',
  'type',
  'url',
  'command',
  'args',
  'env',
  'cwd',
  'headers',
  'enabled',
  'disabled',
  'oauth',
] as const;

const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Validates one entry. `name` comes from the entry (array shape) or its key (map shape).
 * Returns null when the entry is unusable; every problem is recorded in `p`.
 */
export function parseServerEntry(
  p: Problems,
  where: string,
  obj: Record<string, unknown>,
  name: string | null,
): ServerEntry | null {
  const f: Fields = { p, where, obj, prefix: '' };
  warnUnknownKeys(f, KNOWN);
  const nameOk = name !== null && checkName(p, where, name);
  const url = readUrl(f);
  const command = readString(f, 'command', { nonEmpty: true });
  const protocol = resolveProtocol(f, url, command);
  const args = readStringArray(f, 'args');
  const env = readStringMap(f, 'env');
  const cwd = readString(f, 'cwd', { nonEmpty: true });
  const headers = readStringMap(f, 'headers', headerProblem);
  const remote = protocol !== null && protocol !== 'stdio';
  if (remote) {
    for (const key of ['args', 'env', 'cwd'] as const) {
      if (own(obj, key) != null)
        p.warn(where, `"${key}" is ignored for a remote (${protocol}) server`);
    }
  } else if (protocol === 'stdio') {
    for (const key of ['headers', 'oauth'] as const) {
      if (own(obj, key) != null) p.warn(where, `"${key}" is ignored for a stdio server`);
    }
  }
  const enabled = readEnabled(f);
  const oauth = parseOAuth(p, where, own(obj, 'oauth'));
  if (!nameOk || protocol === null) return null;
  return {
    name,
    protocol,
    url: remote ? url : null,
    command: remote ? null : command,
    args: remote ? [] : args,
    env: remote ? {} : env,
    cwd: remote ? null : cwd,
    headers: remote ? headers : {},
    enabled,
    oauth: remote ? oauth : null,
  };
}

function checkName(p: Problems, where: string, name: string): boolean {
  if (SERVER_NAME_RE.test(name)) return true;
  p.error(where, `"name" must be 1–64 characters from A-Z a-z 0-9 _ . - ${got(name)}`);
  return false;
}

function readUrl(f: Fields): string | null {
  const url = readString(f, 'url', { nonEmpty: true });
  if (url === null) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url.trim());
  } catch {
    // reported below
  }
  if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) return url.trim();
  f.p.error(f.where, `"url" must be an http:// or https:// URL ${got(url)}`);
  return null;
}

/** `enabled` (default true) or the Claude/Cline `disabled`; both must agree. */
function readEnabled(f: Fields): boolean {
  const enabled = readBoolean(f, 'enabled');
  const disabled = readBoolean(f, 'disabled');
  if (enabled !== null && disabled !== null && enabled === disabled) {
    f.p.error(
      f.where,
      `"enabled" (${enabled}) and "disabled" (${disabled}) contradict each other: keep one`,
    );
  }
  return enabled ?? (disabled === null ? true : !disabled);
}

function headerProblem(name: string): string | null {
  return HEADER_NAME_RE.test(name) ? null : 'is not a valid HTTP header name';
}
