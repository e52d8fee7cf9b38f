/**
 * @module Every config error path: the message names the file, the entry and the field, says
 * what to do, lists all problems (one per line) and never carries a secret or a stack.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/errors.js';
import { parseConfig } from '../../../services/config/index.js';
import type { ConfigOverrides } from '../../../services/config/index.js';

const FILE = 'mcp_config.json';

/** The ConfigError message `parseConfig` throws for `config`. */
function errorFor(config: unknown, overrides: ConfigOverrides = {}): string {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  try {
    parseConfig(text, FILE, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

const http = (entry: Record<string, unknown>) => ({
  mcpServers: [
    { name: 'ok', url: 'https://ok.example/mcp' },
    { name: 'github', ...entry },
  ],
});
const GH = 'mcpServers[1] ("github")';

// [case, config, entry, field, what the message says]
// prettier-ignore
const entryCases: [string, unknown, string, string, string][] = [
  ['unknown protocol', http({ url: 'https://x/mcp', protocol: 'htp' }), GH, '"protocol"', 'must be one of http, sse, stdio, auto (got "htp")'],
  ['unknown type', http({ url: 'https://x/mcp', type: 'websocket' }), GH, '"type"', 'must be one of streamable-http, http, sse, stdio'],
  ['protocol and type disagree', http({ url: 'https://x/mcp', protocol: 'sse', type: 'http' }), GH, '"protocol"', 'disagree'],
  ['missing url for http', http({ protocol: 'http' }), GH, '"url"', 'is required for protocol "http"'],
  ['missing url and command', http({}), GH, '"url"', '"command" (stdio server) is required'],
  ['url and command', http({ url: 'https://x/mcp', command: 'npx' }), GH, '"command"', 'keep "url" for a remote server'],
  ['url not a string', http({ url: 42 }), GH, '"url"', 'must be a string (got 42)'],
  ['url not http(s)', http({ url: 'ftp://x/mcp' }), GH, '"url"', 'must be an http:// or https:// URL'],
  ['url not a URL', http({ url: 'example.com/mcp' }), GH, '"url"', 'must be an http:// or https:// URL'],
  ['empty url', http({ url: '  ' }), GH, '"url"', 'must not be empty'],
  ['missing command for stdio', http({ protocol: 'stdio' }), GH, '"command"', 'is required for protocol "stdio"'],
  ['url with stdio', http({ protocol: 'stdio', command: 'x', url: 'https://x' }), GH, '"url"', 'cannot be used with protocol "stdio"'],
  ['command with http', http({ protocol: 'http', command: 'x', url: 'https://x' }), GH, '"command"', 'cannot be used with protocol "http"'],
  ['args not an array', http({ command: 'npx', args: '-y server' }), GH, '"args"', 'must be an array of strings'],
  ['arg not a string', http({ command: 'npx', args: ['-y', 3] }), GH, '"args[1]"', 'must be a string (got 3)'],
  ['env not an object', http({ command: 'npx', env: ['A=1'] }), GH, '"env"', 'must be an object of strings'],
  ['env value not a string', http({ command: 'npx', env: { PORT: 8080 } }), GH, '"env.PORT"', 'must be a string (got 8080)'],
  ['cwd not a string', http({ command: 'npx', cwd: 1 }), GH, '"cwd"', 'must be a string'],
  ['header value not a string', http({ url: 'https://x', headers: { 'X-Extra': true } }), GH, '"headers.X-Extra"', 'must be a string'],
  ['bad header name', http({ url: 'https://x', headers: { 'X Extra': 'v' } }), GH, '"headers.X Extra"', 'is not a valid HTTP header name'],
  ['enabled not a boolean', http({ url: 'https://x', enabled: 'yes' }), GH, '"enabled"', 'must be true or false (got "yes")'],
  ['enabled contradicts disabled', http({ url: 'https://x', enabled: true, disabled: true }), GH, '"enabled"', 'contradict'],
  ['oauth not an object', http({ url: 'https://x', oauth: 'yes' }), GH, '"oauth"', 'must be an object'],
  ['oauth.client_id not a string', http({ url: 'https://x', oauth: { client_id: 7 } }), GH, '"oauth.client_id"', 'must be a string'],
  ['oauth.client_secret without id', http({ url: 'https://x', oauth: { client_secret: 's' } }), GH, '"oauth.client_secret"', 'without "oauth.client_id"'],
  ['oauth.scopes not an array', http({ url: 'https://x', oauth: { scopes: 3 } }), GH, '"oauth.scopes"', 'must be an array of scope names'],
  ['oauth scope with a space', http({ url: 'https://x', oauth: { scopes: ['repo user'] } }), GH, '"oauth.scopes[0]"', 'without spaces'],
  ['redirect_uri not loopback', http({ url: 'https://x', oauth: { redirect_uri: 'http://example.com:80/cb' } }), GH, '"oauth.redirect_uri"', 'only allowed on loopback'],
  ['redirect_uri without port', http({ url: 'https://x', oauth: { redirect_uri: 'http://127.0.0.1/oauth/callback' } }), GH, '"oauth.redirect_uri"', 'needs an explicit port'],
  ['redirect_uri not a URL', http({ url: 'https://x', oauth: { redirect_uri: 'callback' } }), GH, '"oauth.redirect_uri"', 'must be a loopback URL'],
  ['redirect_uri custom scheme', http({ url: 'https://x', oauth: { redirect_uri: 'myapp://cb' } }), GH, '"oauth.redirect_uri"', 'must be a loopback URL'],
  ['redirect_uri with fragment', http({ url: 'https://x', oauth: { redirect_uri: 'https://h/cb#x' } }), GH, '"oauth.redirect_uri"', 'fragment'],
  ['reserved extra param', http({ url: 'https://x', oauth: { extra_params: { code_challenge: 'x' } } }), GH, '"oauth.extra_params.code_challenge"', 'cannot be set'],
  ['extra param not a string', http({ url: 'https://x', oauth: { extra_params: { audience: 1 } } }), GH, '"oauth.extra_params.audience"', 'must be a string'],
  ['bad name', { mcpServers: [{ name: 'my server', url: 'https://x' }] }, 'mcpServers[0] ("my server")', '"name"', 'must be 1–64 characters'],
  ['name too long', { mcpServers: [{ name: 'n'.repeat(65), url: 'https://x' }] }, `mcpServers[0] ("${'n'.repeat(65)}")`, '"name"', 'must be 1–64 characters'],
  ['missing name', { mcpServers: [{ url: 'https://x' }] }, 'mcpServers[0]', '"name"', 'is required'],
  ['name not a string', { mcpServers: [{ name: 5, url: 'https://x' }] }, 'mcpServers[0]', '"name"', 'is required'],
  ['entry not an object', { mcpServers: ['github'] }, 'mcpServers[0]', 'entry', 'must be an object'],
  ['duplicate name of an entry with other problems', { mcpServers: [{ name: 'a' }, { name: 'a', command: 'ls' }] }, 'mcpServers[1] ("a")', '"name"', 'already used by mcpServers[0] ("a")'],
  ['duplicate names', {mcpServers: [{ name: 'a', url: 'https://x' }, { name: 'a', command: 'x' }],}, 'mcpServers[1] ("a")', '"name"', 'already used by mcpServers[0] ("a")'],
  ['map entry name differs from key', { mcpServers: { gh: { name: 'github', url: 'https://x' } } }, 'mcpServers["gh"]', '"name"', 'must match the key "gh"'],
  ['map key is a bad name', { mcpServers: { 'a/b': { url: 'https://x' } } }, 'mcpServers["a/b"]', '"name"', 'must be 1–64 characters'],
  ['map entry not an object', { mcpServers: { gh: 'https://x' } }, 'mcpServers["gh"]', 'entry', 'must be an object'],
  ['map duplicate key', '{"mcpServers": {\n "gh": {"url": "https://a"},\n "gh": {"url": "https://b"}\n}}', 'mcpServers["gh"]', '"gh"', 'defined twice (again at line 3)'],
];

// [case, config, field, what the message says, overrides]
// prettier-ignore
const topCases: [string, unknown, string, string, ConfigOverrides?][] = [
  ['top level not an object', [], 'top level', 'must be a JSON object'],
  ['mcpServers not a list or map', { mcpServers: 'github' }, '"mcpServers"', 'must be an array'],
  ['listen malformed', { listen: 'localhost' }, '"listen"', 'must be "host:port"'],
  ['listen bare IPv6', { listen: '::1:8080' }, '"listen"', 'write IPv6 hosts in brackets'],
  ['listen port out of range', { listen: '127.0.0.1:70000' }, '"listen"', 'port must be 0–65535'],
  ['listen not a string', { listen: 8080 }, '"listen"', 'must be "host:port"'],
  ['listen object with a bad port', { listen: { host: '127.0.0.1', port: 'x' } }, '"listen.port"', 'must be a whole number from 0 to 65535 (got "x")'],
  ['listen object with a port out of range', { listen: { port: 99999 } }, '"listen.port"', 'must be a whole number from 0 to 65535 (got 99999)'],
  ['listen object without a port', { listen: { host: '127.0.0.1' } }, '"listen.port"', 'is required'],
  ['listen object with a bad host', { listen: { host: 'a b', port: 80 } }, '"listen.host"', 'must be a host name or IP address, e.g. "127.0.0.1" (got "a b")'],
  ['api_key needed off loopback', { listen: '0.0.0.0:8080' }, '"api_key"', 'is required when listening on a non-loopback address'],
  ['api_key needed off loopback (flag)', {}, '"api_key"', '(--listen is "0.0.0.0:9000")', { listenOverride: '0.0.0.0:9000' }],
  ['api_key not a string', { api_key: 12345 }, '"api_key"', 'must be a string (got a number)'],
  ['refresh not an object', { refresh: 0.8 }, '"refresh"', 'must be an object'],
  ['threshold 0', { refresh: { threshold: 0 } }, '"refresh.threshold"', 'between 0 and 1'],
  ['threshold 1', { refresh: { threshold: 1 } }, '"refresh.threshold"', 'between 0 and 1'],
  ['threshold string', { refresh: { threshold: '0.8' } }, '"refresh.threshold"', 'between 0 and 1'],
  ['min_interval_s 0', { refresh: { min_interval_s: 0 } }, '"refresh.min_interval_s"', 'from 1 to 300 (got 0)'],
  ['min_interval_s 301', { refresh: { min_interval_s: 301 } }, '"refresh.min_interval_s"', 'from 1 to 300'],
  ['min_interval_s fraction', { refresh: { min_interval_s: 1.5 } }, '"refresh.min_interval_s"', 'whole number'],
  ['budget 0', { as_budget_per_minute: 0 }, '"as_budget_per_minute"', 'whole number from 1'],
  ['store not an object', { store: 'postgres' }, '"store"', 'must be an object'],
  ['store kind unknown', { store: { kind: 'redis' } }, '"store.kind"', 'must be "lmdb" or "postgres"'],
  ['postgres without url', { store: { kind: 'postgres' } }, '"store.url"', 'is required for "store.kind": "postgres"'],
  ['store url with lmdb', { store: { kind: 'lmdb', url: 'postgres://h/db' } }, '"store.url"', 'only used with'],
  ['store url not postgres', { store: { url: 'mysql://h/db' } }, '"store.url"', 'must be a postgres:// or postgresql:// URL'],
  ['env store url not postgres', {}, '$MCPPROXY_STORE_URL', 'must be a postgres://', { env: { MCPPROXY_STORE_URL: 'http://h' } }],
  ['env store url that does not parse', {}, '$MCPPROXY_STORE_URL', 'cannot be parsed as a URL', { env: { MCPPROXY_STORE_URL: 'postgres://u:pw-77@[bad' } }],
  ['store url that does not parse', { store: { url: 'postgres://u:pw-77@[bad' } }, '"store.url"', 'cannot be parsed as a URL'],
  ['--listen malformed', {}, '--listen', 'must be "host:port"', { listenOverride: 'localhost' }],
];

describe('config errors: entries', () => {
  it.each(entryCases)('%s', (_case, config, entry, field, says) => {
    const message = errorFor(config);
    const line = message.split('\n').find((l) => l.includes(says));
    expect(line, message).toBeDefined();
    expect(line).toMatch(new RegExp(`^${FILE}: `));
    expect(line).toContain(`${entry}: `);
    expect(line).toContain(field);
  });
});

describe('config errors: top level, flags and environment', () => {
  it.each(topCases)('%s', (_case, config, field, says, overrides) => {
    const message = errorFor(config, overrides);
    const line = message.split('\n').find((l) => l.includes(says));
    expect(line, message).toBeDefined();
    expect(line).toContain(field);
    const source = field.startsWith('$') || field === '--listen' ? field : FILE;
    expect(line!.startsWith(`${source}: `)).toBe(true);
  });
});

describe('config errors: format', () => {
  it('lists every problem, one per line, with no stack trace', () => {
    const message = errorFor({
      refresh: { threshold: 2 },
      mcpServers: [
        { name: 'a', protocol: 'htp', url: 'https://x' },
        { name: 'b' },
        { name: 'c', command: 'x', enabled: 1 },
      ],
    });
    const lines = message.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.startsWith(`${FILE}: `))).toBe(true);
    expect(message).not.toMatch(/\n\s+at /);
  });

  it('lists a duplicate name together with the other problems of the entries', () => {
    const message = errorFor({ mcpServers: [{ name: 'a' }, { name: 'a', command: 'ls' }] });
    expect(message.split('\n')).toEqual([
      `${FILE}: mcpServers[0] ("a"): "url" (remote server) or "command" (stdio server) is required`,
      `${FILE}: mcpServers[1] ("a"): "name" "a" is already used by mcpServers[0] ("a"): names must be unique`,
    ]);
  });

  it.each([
    [{ listen: '127.0.0.1:99999' }, '"listen" port must be 0–65535 (got "127.0.0.1:99999")'],
    [{ listen: { host: '127.0.0.1', port: 'x' } }, '"listen.port" must be a whole number'],
  ])('names a bad listen value once: %j', (config, says) => {
    const message = errorFor(config);
    expect(message).toContain(says);
    expect(message.match(/\(got /g)).toHaveLength(1);
    expect(message).not.toContain('(got an object)');
  });

  it('says a store URL does not parse, not that it is no postgres URL, and hides it', () => {
    const overrides = { env: { MCPPROXY_STORE_URL: 'postgres://u:pw-77@[bad' } };
    const message = errorFor({}, overrides);
    expect(message).not.toContain('must be a postgres://');
    expect(message).not.toContain('pw-77');
  });

  it.each([
    [
      '{\n  "mcpServers": {\n    "a": { "url": "https://x" }\n    "b": {}\n  }\n}',
      4,
      5,
      'expected "," or "}"',
    ],
    ['{"mcpServers": [\n  {"name": "a", "url": "https://x",}\n]}', 2, 35, 'trailing comma'],
    ['{\n  // comment\n  "mcpServers": {}\n}', 2, 3, 'comments are not allowed'],
    ["{'mcpServers': {}}", 1, 2, 'double quotes'],
    ['{"mcpServers": {', 1, 17, 'unexpected end of file'],
    ['', 1, 1, 'the file is empty'],
  ])('bad JSON gives line:column: %s', (text, line, column, says) => {
    const message = errorFor(text);
    expect(message).toContain(`${FILE}:${line}:${column}: invalid JSON`);
    expect(message).toContain(says);
  });

  it('bad JSON names the enclosing entry', () => {
    const message = errorFor('{"mcpServers": [{"name": "a", "args": ["x" "y"]}]}');
    expect(message).toContain('(in mcpServers[0].args)');
  });

  it('never echoes secret values', () => {
    const message = errorFor(
      {
        api_key: 987654321,
        store: { url: 'mysql://admin:hunter2@db/x' },
        mcpServers: [
          {
            name: 'a',
            url: 'https://x?apikey=k-55aa&state=s',
            protocol: 'nope',
            oauth: { client_secret: 31337 },
            command: 'x',
          },
        ],
      },
      { env: {} },
    );
    for (const secret of ['987654321', 'hunter2', 'k-55aa', '31337']) {
      expect(message).not.toContain(secret);
    }
  });
});
