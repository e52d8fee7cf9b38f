/**
 * @module Hostile config files (SPEC §2): every invalid shape stops a real `serve` with exit 2 and
 * lines that name the file, the entry and the field, never a stack trace; and, as a property over
 * files on disk, a broken config never repeats a secret it holds (api_key, client_secret, URL
 * passwords and secret query parameters) in its error message. The parser's own properties live
 * in test/services/config/config.property.test.ts; this adds the file and process side.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../services/errors.js';
import { loadConfig } from '../../services/config/index.js';
import { runCli } from '../helpers/proxy-process.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTmpDir('mcpproxy-hostile-config-');
});
afterAll(async () => {
  if (dir) await removeTmpDir(dir);
});

const remote = (extra: Record<string, unknown> = {}) => ({
  url: 'https://mcp.example.test/mcp',
  ...extra,
});

/** Invalid configs: [label, file content, what the message must say]. */
const INVALID: Array<[string, string | Buffer, RegExp]> = [
  ['broken JSON', '{"mcpServers": {"a": {"url": "https://x"}', /:1:\d+: invalid JSON/],
  ['a comment', '// mine\n{"mcpServers": {}}', /invalid JSON/],
  ['a trailing comma', '{"mcpServers": {"a": {"url": "https://x.test/mcp",}}}', /trailing comma/],
  ['a top-level array', '[]', /must be a JSON object/],
  ['mcpServers as a string', JSON.stringify({ mcpServers: 'github' }), /"mcpServers"/],
  ['an entry that is a number', JSON.stringify({ mcpServers: { a: 5 } }), /mcpServers\["a"\]/],
  [
    'no url and no command',
    JSON.stringify({ mcpServers: { a: {} } }),
    /mcpServers\["a"\].*("url"|"command")/,
  ],
  [
    'url and command',
    JSON.stringify({ mcpServers: { a: remote({ command: 'x' }) } }),
    /mcpServers\["a"\]/,
  ],
  [
    'an unknown protocol',
    JSON.stringify({ mcpServers: { a: remote({ protocol: 'htp' }) } }),
    /"protocol" must be one of http, sse, stdio, auto \(got "htp"\)/,
  ],
  [
    'duplicate names',
    JSON.stringify({
      mcpServers: [
        { name: 'a', ...remote() },
        { name: 'a', ...remote() },
      ],
    }),
    /mcpServers\[1\].*"a"/,
  ],
  [
    'a duplicate key in the map shape',
    '{"mcpServers": {"a": {"url": "https://x.test/a"}, "a": {"url": "https://x.test/b"}}}',
    /"a"/,
  ],
  [
    'a name with a slash',
    JSON.stringify({ mcpServers: { '../etc': remote() } }),
    /mcpServers\["\.\.\/etc"\]/,
  ],
  [
    'a file: URL',
    JSON.stringify({ mcpServers: { a: { url: 'file:///etc/passwd' } } }),
    /"url" must be an http:\/\/ or https:\/\/ URL/,
  ],
  [
    'a non-loopback http redirect URI',
    JSON.stringify({
      mcpServers: { a: remote({ oauth: { redirect_uri: 'http://evil.example.test:8080/cb' } }) },
    }),
    /"oauth\.redirect_uri" must be a loopback URL/,
  ],
  [
    'extra_params overriding state',
    JSON.stringify({ mcpServers: { a: remote({ oauth: { extra_params: { state: 'x' } } }) } }),
    /"oauth\.extra_params\.state" cannot be set/,
  ],
  [
    'min_interval_s 0',
    JSON.stringify({ refresh: { min_interval_s: 0 } }),
    /"refresh\.min_interval_s" must be a whole number from 1 to 300 \(got 0\)/,
  ],
  ['threshold 1.5', JSON.stringify({ refresh: { threshold: 1.5 } }), /"refresh\.threshold"/],
  [
    'a non-loopback listen without api_key',
    JSON.stringify({ listen: '0.0.0.0:8080' }),
    /"api_key" is required when listening on a non-loopback address/,
  ],
  ['a NUL inside a string', '{"mcpServers":{"a\u0000b":{"url":"https://x"}}}', /control character/],
  [
    'invalid UTF-8 in a name',
    Buffer.concat([
      Buffer.from('{"mcpServers":{"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('":{"url":"https://x.test/mcp"}}}'),
    ]),
    /mcpServers\["\uFFFD\uFFFD"\]/,
  ],
];

async function write(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, `${name.replace(/\W+/g, '-')}.json`);
  await writeFile(path, content);
  return path;
}

describe('every invalid config shape', () => {
  it.each(INVALID)('%s → ConfigError naming the file', async (label, content, says) => {
    const path = await write(label, content);
    const error = await loadConfig(path, { env: {} }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const line of message.split('\n')) expect(line.startsWith(path)).toBe(true);
    expect(message).toMatch(says);
    expect(message).not.toMatch(/\n\s+at /);
  });

  it('stops a real serve with exit 2 and those lines on stderr, no stack trace, nothing listening', async () => {
    const picks = [0, 8, 13];
    const runs = await Promise.all(
      picks.map(async (i) => {
        const [label, content, says] = INVALID[i]!;
        const path = await write(`serve-${label}`, content);
        const dataDir = join(dir, `data-${i}`);
        const result = await runCli(['serve', '--config', path, '--data-dir', dataDir], {
          timeoutMs: 60_000,
        });
        return { label, path, says, result };
      }),
    );
    for (const { label, path, says, result } of runs) {
      expect(result.code, `${label}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(path);
      expect(result.stderr).toMatch(says);
      expect(result.stderr).not.toMatch(/\n\s+at |node_modules/);
      expect(result.stderr).not.toMatch(/mcpproxy http:\/\//);
    }
  }, 90_000);

  it('a config path that is a directory, and an empty file, are sentences too', async () => {
    const asDir = join(dir, 'is-a-dir.json');
    await mkdir(asDir, { recursive: true });
    await expect(loadConfig(asDir, { env: {} })).rejects.toThrow(/it is a directory/);
    await expect(loadConfig(await write('empty', ''), { env: {} })).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});

describe('property: a broken config never repeats its secrets', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/).map((s) => `S3cr3t${s}`);
  const breakage = fc.constantFrom<Array<(c: any) => void>>(
    [(c) => (c.mcpServers.gh.protocol = 'bogus')],
    [(c) => (c.mcpServers.gh.enabled = 'yes')],
    [(c) => (c.mcpServers.gh.oauth.scopes = 5)],
    [(c) => (c.mcpServers.gh.oauth.client_id = 7)],
    [(c) => (c.mcpServers.gh.oauth.extra_params = { state: 'x' })],
    [(c) => (c.mcpServers.gh.url = c.mcpServers.gh.url.replace('https:', 'ftp:'))],
    [(c) => (c.mcpServers.gh.url = c.mcpServers.gh.url.replace('mcp.example.test', 'bad host'))],
    [(c) => (c.mcpServers.gh.headers = { Authorization: 5 })],
    [(c) => (c.refresh = { min_interval_s: -1 })],
    [(c) => (c.listen = 'nope')],
    [(c) => (c.mcpServers['bad name'] = c.mcpServers.gh)],
    [(c) => (c.mcpServers.gh.command = 'x')],
  );

  it('api_key, client_secret, URL passwords and secret query parameters stay out of every message', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ apiKey: secret, clientSecret: secret, password: secret, token: secret }),
        fc.array(breakage, { minLength: 1, maxLength: 3 }),
        async (s, breaks) => {
          const config: any = {
            listen: '0.0.0.0:8080',
            api_key: s.apiKey,
            mcpServers: {
              gh: {
                url: `https://user:${s.password}@mcp.example.test/mcp?access_token=${s.token}`,
                oauth: { client_id: 'c', client_secret: s.clientSecret },
              },
            },
          };
          for (const [apply] of breaks) apply(config);
          const path = await write(`prop-${n++}`, JSON.stringify(config, null, 2));
          const message = await loadConfig(path, { env: {} }).then(
            () => '',
            (e: unknown) => {
              expect(e).toBeInstanceOf(ConfigError);
              return (e as Error).message;
            },
          );
          for (const value of Object.values(s)) expect(message).not.toContain(value);
        },
      ),
      { numRuns: 200 },
    );
  });
});
