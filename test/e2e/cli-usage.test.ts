/**
 * Issue 4, the command line's contract without a daemon: every command's `--help` exits 0; bad
 * flags, unknown commands and bad config files exit 2 with one sentence (file, entry and field
 * for configs), never a stack trace; a port in use exits 1 with a sentence.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, runCli, type CliResult } from '../helpers/proxy-process.js';
import { occupyPort } from './support/free-port.js';
import { e2eWorld } from './support/world.js';

/** Runs CLI invocations two at a time (this machine has two cores). */
async function runAll(invocations: string[][], limit = 2): Promise<CliResult[]> {
  const results: CliResult[] = new Array(invocations.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < invocations.length) {
        const i = next++;
        results[i] = await runCli(invocations[i]!, { timeoutMs: 90_000 });
      }
    }),
  );
  return results;
}

const STACK = /\n\s+at [\w.<>]+ \(|node:internal/;

describe('the command line without a daemon', { timeout: 150_000 }, () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('prints help and exits 0 for every command and subcommand', async () => {
    const main = await runCli(['--help']);
    expect(main.code).toBe(0);
    // Every command the main help lists has its own help.
    const listed = [...main.stdout.matchAll(/^ {2}(\w+)(?: (\w+))?/gm)].map((m) => m[1]!);
    expect(listed).toEqual(['serve', 'upstream', 'auth', 'auth', 'auth', 'statecharts', 'demo']);
    const helps = [
      ['serve', '--help'],
      ['upstream', '--help'],
      ['upstream', 'list', '--help'],
      ['auth', '--help'],
      ['auth', 'login', '--help'],
      ['auth', 'logout', '--help'],
      ['auth', 'status', '--help'],
      ['statecharts', '--help'],
      ['statecharts', 'export', '--help'],
      ['demo', '--help'],
      ['-h'],
      // Help wins over anything else on the line.
      ['upstream', 'list', '-h', 'extra'],
      ['serve', '--help', '--bogus'],
      ['auth', 'login', '--server', '--help'],
      ['statecharts', 'export', '--out', 'x', '-h', '--bogus'],
      ['help', 'auth'],
      ['help', 'upstream', 'list'],
    ];
    const results = await runAll(helps);
    results.forEach((r, i) => {
      const what = helps[i]!.join(' ');
      expect(r.code, what).toBe(0);
      expect(r.stdout, what).toMatch(/Usage/);
      expect(r.stderr, what).toBe('');
    });
    expect(results[helps.findIndex((h) => h.join(' ') === 'help auth')]!.stdout).toBe(
      results[helps.findIndex((h) => h.join(' ') === 'auth --help')]!.stdout,
    );
  });

  it('gives each subcommand its own help, naming every option it takes', async () => {
    const helps: Array<[string[], string[]]> = [
      [
        ['auth', 'login', '--help'],
        [
          '--server NAME',
          '--no-browser',
          '--force',
          '--timeout',
          '--url',
          '--config',
          '--data-dir',
        ],
      ],
      [
        ['auth', 'logout', '--help'],
        ['--server NAME', '--all', '--url', '--config', '--data-dir'],
      ],
      [
        ['auth', 'status', '--help'],
        ['-o table|json', '--url', '--config', '--data-dir'],
      ],
      [
        ['upstream', 'list', '--help'],
        ['-o table|json', '--url', '--config', '--data-dir'],
      ],
      [
        ['demo', '--help'],
        [
          '--listen',
          '--access-token-ttl',
          '--data-dir',
          '--log-level',
          '--inspect',
          '--inspect-url',
        ],
      ],
      [
        ['serve', '--help'],
        ['--config', '--data-dir', '--listen', '--log-level', '--inspect', '--inspect-url'],
      ],
    ];
    const results = await runAll(helps.map(([args]) => args));
    results.forEach((r, i) => {
      const [args, options] = helps[i]!;
      const what = args.join(' ');
      expect(r.code, what).toBe(0);
      const [usage, ...body] = r.stdout.split('\n');
      for (const option of options) {
        // In the usage line and described below it.
        expect(usage, `${what}: ${option} in the usage line`).toContain(option.split(' ')[0]);
        expect(body.join('\n'), `${what}: ${option} described`).toMatch(
          new RegExp(`^ {2}.*${option.replace(/[|]/g, '\\$&')}`, 'm'),
        );
      }
    });
    const [login, logout, status] = results;
    expect(login!.stdout).toMatch(/--timeout D\s+.*1s to 24h/);
    expect(login!.stdout).not.toBe(logout!.stdout);
    expect(logout!.stdout).not.toBe(status!.stdout);
    // The environment line names every variable the CLI reads.
    const main = await runCli(['--help']);
    for (const name of [
      'MCPPROXY_DATA_DIR',
      'MCPPROXY_CONFIG',
      'MCPPROXY_URL',
      'MCPPROXY_API_KEY',
      'MCPPROXY_ENCRYPTION_KEY',
      'MCPPROXY_STORE_URL',
      'MCPPROXY_REPLICA_ID',
      'MCPPROXY_DEBUG',
      'BROWSER',
      'HEADLESS',
      'NO_BROWSER',
      'NO_COLOR',
    ])
      expect(main.stdout, name).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('prints the version for --version, -V, -v and "version"', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    const results = await runAll([['--version'], ['-V'], ['-v'], ['version']]);
    for (const r of results) expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints the help of a command left out on stderr, as a usage error (exit 2)', async () => {
    const invocations = [[], ['auth'], ['upstream'], ['statecharts']];
    const results = await runAll(invocations);
    results.forEach((r, i) => {
      const what = invocations[i]!.join(' ') || '(no arguments)';
      expect(r.code, what).toBe(2);
      expect(r.stdout, what).toBe('');
      expect(r.stderr, what).toMatch(/Usage/);
    });
    expect(results[0]!.stderr).toMatch(/^mcpproxy - /);
  });

  it('exits 2 with one sentence for bad flags, values and unknown commands', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['bogus'], /^mcpproxy: Unknown command "bogus"\. Run "mcpproxy --help" for the list\.$/],
      [['--bogus'], /^mcpproxy: Unknown option "--bogus"\. Run "mcpproxy --help" for usage\.$/],
      [['upstream', 'remove'], /^mcpproxy: Unknown upstream command "remove"\./],
      [['auth', 'refresh'], /^mcpproxy: Unknown auth command "refresh"\./],
      [
        ['serve', '--port', '1'],
        /^mcpproxy: serve: Unknown option '--port'\. Run "mcpproxy serve --help" for usage\.$/,
      ],
      [
        ['serve', '--log-level', 'loud'],
        /^mcpproxy: --log-level must be one of trace, debug, info, warn, error \(got "loud"\)\.$/,
      ],
      [['upstream', 'list', '--bogus'], /^mcpproxy: upstream list: Unknown option '--bogus'\./],
      [
        ['upstream', 'list', '-o', 'yaml'],
        /^mcpproxy: upstream list: -o must be "table" or "json" \(got "yaml"\)\.$/,
      ],
      [['auth', 'login'], /^mcpproxy: auth login: --server NAME is required\.$/],
      [
        ['auth', 'login', '--server'],
        /^mcpproxy: auth login: Option --server needs a value \(a server name\)\. Run "mcpproxy auth login --help" for usage\.$/,
      ],
      [
        ['auth', 'login', '--server', 'x', '--timeout', 'soon'],
        /^mcpproxy: --timeout must be a duration like 300s, 5m or 1h \(got "soon"\)\.$/,
      ],
      [['auth', 'logout'], /^mcpproxy: auth logout: pass either --server NAME or --all\.$/],
      [
        ['auth', 'status', '-o', 'xml'],
        /^mcpproxy: auth status: -o must be "table" or "json" \(got "xml"\)\.$/,
      ],
    ];
    const results = await runAll(cases.map(([args]) => args));
    results.forEach((r, i) => {
      const [args, sentence] = cases[i]!;
      const what = args.join(' ') || '(no arguments)';
      expect(r.code, what).toBe(2);
      expect(r.stderr.trimEnd(), what).toMatch(sentence);
      expect(r.stderr.trimEnd().split('\n').length, what).toBe(1);
      expect(r.stderr, what).not.toMatch(STACK);
    });
  });

  it('refuses bad config files with exit 2 naming the file, the entry and the field, without a stack trace', async () => {
    const dir = await world.dir();
    const configs: Array<[string, string, RegExp]> = [
      ['empty.json', '', /empty\.json:\d+:\d+: invalid JSON: the file is empty/],
      [
        'comma.json',
        '{"mcpServers": [{"name": "a", "url": "http://127.0.0.1:1/mcp",}]}',
        /comma\.json:1:\d+: invalid JSON \(in mcpServers\[0\]\): trailing comma/,
      ],
      ['array.json', '[]', /array\.json: the top level must be a JSON object/],
      [
        'protocol.json',
        '{"mcpServers": [{"name": "a", "url": "http://127.0.0.1:1/mcp", "protocol": "pigeon"}]}',
        /protocol\.json: mcpServers\[0\] \("a"\): "protocol" must be one of http, sse, stdio, auto \(got "pigeon"\)/,
      ],
      [
        'duplicate.json',
        '{"mcpServers": [{"name": "a", "url": "http://127.0.0.1:1/mcp"}, {"name": "a", "command": "x"}]}',
        /duplicate\.json: mcpServers\[1\] \("a"\): "name" "a" is already used by mcpServers\[0\]/,
      ],
      [
        'missing.json',
        '{"mcpServers": [{"name": "a"}]}',
        /missing\.json: mcpServers\[0\] \("a"\): "url" \(remote server\) or "command" \(stdio server\) is required/,
      ],
      [
        'map.json',
        '{"mcpServers": {"fs": {"command": ""}}}',
        /map\.json: mcpServers\["fs"\]: "command" must not be empty/,
      ],
      [
        'name.json',
        '{"mcpServers": [{"name": "a b", "url": "http://127.0.0.1:1/mcp"}]}',
        /name\.json: mcpServers\[0\].*"name"/,
      ],
      [
        'refresh.json',
        '{"refresh": {"min_interval_s": 0}}',
        /refresh\.json: .*"refresh\.min_interval_s"/,
      ],
    ];
    for (const [file, text] of configs) await writeFile(join(dir, file), text);
    const results = await runAll(
      configs.map(([file]) => [
        'serve',
        '--data-dir',
        dir,
        '--config',
        join(dir, file),
        '--listen',
        '127.0.0.1:0',
      ]),
    );
    results.forEach((r, i) => {
      const [file, , message] = configs[i]!;
      expect(r.code, `${file}: ${r.stderr}`).toBe(2);
      expect(r.stderr, file).toMatch(
        new RegExp(`^mcpproxy: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`),
      );
      expect(r.stderr, file).toMatch(message);
      expect(r.stderr, file).not.toMatch(STACK);
    });
    // Client commands read the same config and refuse it the same way.
    const client = await runCli([
      'upstream',
      'list',
      '--config',
      join(dir, 'protocol.json'),
      '--data-dir',
      dir,
    ]);
    expect(client.code).toBe(2);
    expect(client.stderr).toMatch(configs[3]![2]);
  });

  it('exits 1 with a sentence when the listen port is in use', async () => {
    const taken = await occupyPort();
    world.defer(() => new Promise<void>((resolve) => taken.server.close(() => resolve())));
    const dir = await world.dir();
    const r = await runCli(['serve', '--data-dir', dir, '--listen', `127.0.0.1:${taken.port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `mcpproxy: Cannot listen on 127.0.0.1:${taken.port}: the port is already in use. Stop the other process`,
    );
    expect(r.stderr).not.toMatch(STACK);
  });
});
