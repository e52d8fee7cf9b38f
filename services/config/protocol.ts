/**
 * @module An entry's protocol: `protocol`, or `type` as Cursor / Claude Code / VS Code write it
 * (`streamable-http`, `http`, `sse`, `stdio`), else derived from `url` / `command`.
 */
import type { Protocol } from './config.types.js';
import { own } from './fields.js';
import type { Fields } from './fields.js';
import { got } from './problems.js';

/** Accepted spellings → protocol (compared in lower case). */
const SPELLINGS: Record<string, Protocol> = {
  http: 'http',
  'streamable-http': 'http',
  streamable_http: 'http',
  streamablehttp: 'http',
  sse: 'sse',
  stdio: 'stdio',
  auto: 'auto',
};

/**
 * The entry's explicit protocol: null when neither `protocol` nor `type` is set, `'invalid'`
 * after reporting a bad or contradictory value.
 */
function readProtocol(f: Fields): Protocol | null | 'invalid' {
  const fromProtocol = read(f, 'protocol', 'http, sse, stdio, auto');
  const fromType = read(f, 'type', 'streamable-http, http, sse, stdio');
  if (fromProtocol === 'invalid' || fromType === 'invalid') return 'invalid';
  if (fromProtocol !== null && fromType !== null && fromProtocol !== fromType) {
    f.p.error(
      f.where,
      `"protocol" (${fromProtocol}) and "type" (${fromType}) disagree: keep one of them`,
    );
    return 'invalid';
  }
  return fromProtocol ?? fromType;
}

function read(f: Fields, key: string, choices: string): Protocol | null | 'invalid' {
  const value = own(f.obj, key);
  if (value === undefined || value === null) return null;
  const spelling = typeof value === 'string' ? value.toLowerCase() : '';
  if (Object.hasOwn(SPELLINGS, spelling)) return SPELLINGS[spelling];
  f.p.error(f.where, `"${key}" must be one of ${choices} ${got(value)}`);
  return 'invalid';
}

/**
 * The entry's protocol: explicit (`protocol` or `type`), else `auto` for a url and `stdio` for a
 * command. Reports a missing or misplaced url/command. `url`/`command` are the validated values
 * (null when absent or invalid). Null means the entry is unusable.
 */
export function resolveProtocol(
  f: Fields,
  url: string | null,
  command: string | null,
): Protocol | null {
  const explicit = readProtocol(f);
  if (explicit === 'invalid') return null;
  const { p, where, obj } = f;
  const hasUrl = own(obj, 'url') != null;
  const hasCommand = own(obj, 'command') != null;
  const fail = (message: string): null => (p.error(where, message), null);
  if (explicit === null) {
    if (hasUrl && hasCommand) {
      return fail(
        '"url" and "command" are both set: keep "url" for a remote server or "command" for a stdio server',
      );
    }
    if (!hasUrl && !hasCommand) {
      return fail('"url" (remote server) or "command" (stdio server) is required');
    }
    if (hasUrl) return url === null ? null : 'auto';
    return command === null ? null : 'stdio';
  }
  if (explicit === 'stdio') {
    if (hasUrl)
      return fail('"url" cannot be used with protocol "stdio": remove it or the protocol');
    if (!hasCommand) {
      return fail('"command" is required for protocol "stdio": the program to start, e.g. "npx"');
    }
    return command === null ? null : 'stdio';
  }
  if (hasCommand) {
    return fail(
      `"command" cannot be used with protocol "${explicit}": a remote server has only a "url"`,
    );
  }
  if (!hasUrl) {
    return fail(
      `"url" is required for protocol "${explicit}": the MCP endpoint, e.g. "https://example.com/mcp"`,
    );
  }
  return url === null ? null : explicit;
}
