/** @module Tests for `parseConfig`: defaults, both `mcpServers` shapes, aliases, overrides. */
import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from '../../../services/config/index.js';
import type { ConfigOverrides, ServerEntry } from '../../../services/config/index.js';

const parse = (config: unknown, overrides?: ConfigOverrides) =>
  parseConfig(JSON.stringify(config), 'mcp_config.json', overrides);

const CLAUDE_DESKTOP = `{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop", "/Users/me/Downloads"]
    },
    "github": {
      "command": "docker",
      "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "<YOUR_TOKEN>" }
    },
    "sqlite": { "command": "uvx", "args": ["mcp-server-sqlite", "--db-path", "/tmp/test.db"], "disabled": true }
  }
}`;

const CURSOR = `{
  "mcpServers": {
    "linear": { "url": "https://mcp.linear.app/sse", "type": "sse" },
    "notion": { "type": "streamable-http", "url": "https://mcp.notion.com/mcp", "headers": { "X-Client": "cursor" } },
    "local": { "type": "stdio", "command": "node", "args": ["server.js"], "cwd": "/srv/mcp" }
  }
}`;

const stdio = (
  name: string,
  command: string,
  args: string[],
  extra: Partial<ServerEntry> = {},
) => ({
  name,
  protocol: 'stdio',
  url: null,
  command,
  args,
  env: {},
  cwd: null,
  headers: {},
  enabled: true,
  oauth: null,
  ...extra,
});

describe('parseConfig: defaults', () => {
  it('an empty object is the default configuration', () => {
    expect(parse({})).toEqual({ config: defaultConfig(), warnings: [] });
    expect(defaultConfig()).toEqual({
      listen: { host: '127.0.0.1', port: 8080 },
      api_key: null,
      refresh: { threshold: 0.8, min_interval_s: 10 },
      as_budget_per_minute: 30,
      store: { kind: 'lmdb', url: null },
      servers: [],
    });
  });

  it('fills every entry field', () => {
    const { config } = parse({ mcpServers: [{ name: 'gh', url: 'https://x/mcp' }] });
    expect(config.servers).toEqual([
      {
        name: 'gh',
        protocol: 'auto',
        url: 'https://x/mcp',
        command: null,
        args: [],
        env: {},
        cwd: null,
        headers: {},
        enabled: true,
        oauth: null,
      },
    ]);
  });

  it('fills oauth defaults and accepts space-separated scopes', () => {
    const { config } = parse({
      mcpServers: [{ name: 'gh', url: 'https://x/mcp', oauth: { scopes: 'repo read:org' } }],
    });
    expect(config.servers[0].oauth).toEqual({
      client_id: null,
      client_secret: null,
      scopes: ['repo', 'read:org'],
      redirect_uri: null,
      extra_params: {},
    });
  });
});

describe('parseConfig: shapes', () => {
  it('reads the Claude Desktop sample (map shape, stdio, env, disabled)', () => {
    const { config, warnings } = parseConfig(CLAUDE_DESKTOP, 'claude_desktop_config.json');
    expect(warnings).toEqual([]);
    expect(config.servers).toEqual([
      stdio('filesystem', 'npx', [
        '-y',
        '@modelcontextprotocol/server-filesystem',
        '/Users/me/Desktop',
        '/Users/me/Downloads',
      ]),
      stdio(
        'github',
        'docker',
        [
          'run',
          '-i',
          '--rm',
          '-e',
          'GITHUB_PERSONAL_ACCESS_TOKEN',
          'ghcr.io/github/github-mcp-server',
        ],
        {
          env: { GITHUB_PERSONAL_ACCESS_TOKEN: '<YOUR_TOKEN>' },
        },
      ),
      stdio('sqlite', 'uvx', ['mcp-server-sqlite', '--db-path', '/tmp/test.db'], {
        enabled: false,
      }),
    ]);
  });

  it('reads a Cursor config (type as protocol alias, headers, cwd)', () => {
    const { config } = parseConfig(CURSOR, 'mcp.json');
    expect(config.servers.map((s) => [s.name, s.protocol, s.url ?? s.command])).toEqual([
      ['linear', 'sse', 'https://mcp.linear.app/sse'],
      ['notion', 'http', 'https://mcp.notion.com/mcp'],
      ['local', 'stdio', 'node'],
    ]);
    expect(config.servers[1].headers).toEqual({ 'X-Client': 'cursor' });
    expect(config.servers[2].cwd).toBe('/srv/mcp');
  });

  it('array and map shapes give the same servers', () => {
    const entries = {
      github: { url: 'https://api.example/mcp', protocol: 'http', oauth: { scopes: ['repo'] } },
      fs: { command: 'npx', args: ['-y', 'server'], env: { A: '1' } },
    };
    const fromMap = parse({ mcpServers: entries }).config;
    const fromArray = parse({
      mcpServers: Object.entries(entries).map(([name, entry]) => ({ name, ...entry })),
    }).config;
    expect(fromArray).toEqual(fromMap);
  });

  it('accepts a map entry that repeats its name', () => {
    const { config } = parse({ mcpServers: { gh: { name: 'gh', url: 'https://x' } } });
    expect(config.servers[0].name).toBe('gh');
  });
});

describe('parseConfig: protocol', () => {
  it.each([
    [{ url: 'https://x' }, 'auto'],
    [{ command: 'npx' }, 'stdio'],
    [{ url: 'https://x', protocol: 'http' }, 'http'],
    [{ url: 'https://x', protocol: 'sse' }, 'sse'],
    [{ url: 'https://x', protocol: 'auto' }, 'auto'],
    [{ url: 'https://x', type: 'streamable-http' }, 'http'],
    [{ url: 'https://x', type: 'http' }, 'http'],
    [{ url: 'https://x', type: 'SSE' }, 'sse'],
    [{ command: 'x', type: 'stdio', protocol: 'stdio' }, 'stdio'],
    [{ url: 'https://x', type: 'streamable-http', protocol: 'http' }, 'http'],
  ])('%j → %s', (entry, protocol) => {
    expect(parse({ mcpServers: [{ name: 'a', ...entry }] }).config.servers[0].protocol).toBe(
      protocol,
    );
  });

  it.each([
    [{ enabled: false }, false],
    [{ disabled: true }, false],
    [{ disabled: false }, true],
    [{ enabled: true, disabled: false }, true],
  ])('%j → enabled %s', (flags, enabled) => {
    const { config } = parse({ mcpServers: [{ name: 'a', url: 'https://x', ...flags }] });
    expect(config.servers[0].enabled).toBe(enabled);
  });
});

describe('parseConfig: top-level settings', () => {
  it.each([
    ['127.0.0.1:9000', { host: '127.0.0.1', port: 9000 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    [':9000', { host: '127.0.0.1', port: 9000 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    [
      { host: '::1', port: 1234 },
      { host: '::1', port: 1234 },
    ],
    [{ port: 1234 }, { host: '127.0.0.1', port: 1234 }],
    [
      { host: '[::1]', port: 0 },
      { host: '::1', port: 0 },
    ],
  ])('listen %j', (listen, expected) => {
    expect(parse({ listen }).config.listen).toEqual(expected);
  });

  it('a link-local listen address needs an api_key like any non-loopback one', () => {
    expect(() => parse({ listen: '[fe80::1%eth0]:80' })).toThrow(/"api_key" is required/);
  });

  it('--listen overrides the file', () => {
    const { config } = parse({ listen: '127.0.0.1:1' }, { listenOverride: '[::1]:2' });
    expect(config.listen).toEqual({ host: '::1', port: 2 });
  });

  it('accepts a non-loopback listen with an api_key from the file or the environment', () => {
    expect(parse({ listen: '0.0.0.0:80', api_key: 'k' }).config.api_key).toBe('k');
    const { config } = parse({ listen: '0.0.0.0:80' }, { env: { MCPPROXY_API_KEY: 'e' } });
    expect(config.api_key).toBe('e');
    expect(parse({ api_key: 'f' }, { env: { MCPPROXY_API_KEY: 'e' } }).config.api_key).toBe('e');
    expect(parse({ api_key: '' }).config.api_key).toBeNull();
  });

  it('reads refresh and budget', () => {
    const { config } = parse({
      refresh: { threshold: 0.5, min_interval_s: 1 },
      as_budget_per_minute: 120,
    });
    expect(config.refresh).toEqual({ threshold: 0.5, min_interval_s: 1 });
    expect(config.as_budget_per_minute).toBe(120);
  });

  it.each([
    [{}, {}, { kind: 'lmdb', url: null }],
    [
      { store: { kind: 'postgres', url: 'postgres://u:p@h/db' } },
      {},
      { kind: 'postgres', url: 'postgres://u:p@h/db' },
    ],
    [{ store: { url: 'postgresql://h/db' } }, {}, { kind: 'postgres', url: 'postgresql://h/db' }],
    [
      {},
      { MCPPROXY_STORE_URL: 'postgres://env/db' },
      { kind: 'postgres', url: 'postgres://env/db' },
    ],
    [
      { store: { kind: 'postgres', url: 'postgres://file/db' } },
      { MCPPROXY_STORE_URL: 'postgres://env/db' },
      { kind: 'postgres', url: 'postgres://env/db' },
    ],
    [
      { store: { kind: 'postgres' } },
      { MCPPROXY_STORE_URL: 'postgres://env/db' },
      { kind: 'postgres', url: 'postgres://env/db' },
    ],
    [
      { store: { kind: 'lmdb' } },
      { MCPPROXY_STORE_URL: 'postgres://env/db' },
      { kind: 'lmdb', url: null },
    ],
    [{}, { MCPPROXY_STORE_URL: '' }, { kind: 'lmdb', url: null }],
  ])('store %j with env %j', (file, env, store) => {
    expect(parse(file, { env }).config.store).toEqual(store);
  });
});

describe('parseConfig: warnings', () => {
  it('tolerates unknown keys and ignored fields, and says so', () => {
    const { config, warnings } = parseConfig(
      JSON.stringify({
        $schema: 'x',
        log_level: 'debug',
        refresh: { treshold: 0.5 },
        mcpServers: {
          a: { url: 'https://x', autoApprove: ['t'], args: ['ignored'] },
          b: { command: 'x', headers: { A: 'b' }, oauth: { scopes: ['x'] } },
        },
      }),
      'f.json',
    );
    expect(config.servers).toHaveLength(2);
    expect(config.servers[0].args).toEqual([]);
    expect(warnings).toEqual([
      'f.json: unknown field "log_level" is ignored',
      'f.json: unknown field "refresh.treshold" is ignored',
      'f.json: mcpServers["a"]: unknown field "autoApprove" is ignored',
      'f.json: mcpServers["a"]: "args" is ignored for a remote (auto) server',
      'f.json: mcpServers["b"]: "headers" is ignored for a stdio server',
      'f.json: mcpServers["b"]: "oauth" is ignored for a stdio server',
    ]);
    expect(config.servers[1].oauth).toBeNull();
  });

  it('warns about a key written twice outside mcpServers', () => {
    const { warnings } = parseConfig('{"listen": ":1", "listen": ":2"}', 'f.json');
    expect(warnings).toEqual(['f.json: "listen" appears twice (line 1); the last one is used']);
  });

  it('warns when $MCPPROXY_STORE_URL is ignored by an explicit lmdb store', () => {
    const { warnings } = parse(
      { store: { kind: 'lmdb' } },
      { env: { MCPPROXY_STORE_URL: 'postgres://h' } },
    );
    expect(warnings).toEqual([
      'mcp_config.json: $MCPPROXY_STORE_URL is ignored because "store.kind" is "lmdb"',
    ]);
  });
});
