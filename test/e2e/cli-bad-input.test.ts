/**
 * Bad input the command line used to misreport, through the real `mcpproxy` binary: an option
 * without its value, empty `--data-dir` / `--config`, timeouts that end at once, `--out` naming
 * a file, an explicitly named config file that is missing, and a login to a server that could
 * not be reached. Each is one sentence naming the problem, exit 2 for usage, never a stack.
 */
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/proxy-process.js';
import { freePort } from './support/free-port.js';
import { waitForView } from './support/rest.js';
import { e2eWorld } from './support/world.js';

const STACK = /\n\s+at [\w.<>]+ \(|node:internal/;

/** Runs CLI invocations two at a time (this machine has two cores). */
async function runAll(
  invocations: string[][],
  env: Record<string, string> = {},
): Promise<CliResult[]> {
  const results: CliResult[] = new Array(invocations.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (next < invocations.length) {
        const i = next++;
        // 30 s: a command that wrongly goes on to serve is killed and fails the exit-code check.
        results[i] = await runCli(invocations[i]!, { env, timeoutMs: 30_000 });
      }
    }),
  );
  return results;
}

function expectUsageError(results: CliResult[], cases: Array<[string[], RegExp]>): void {
  results.forEach((r, i) => {
    const [args, sentence] = cases[i]!;
    const what = args.join(' ');
    expect(r.stderr.trimEnd(), what).toMatch(sentence);
    expect(r.code, what).toBe(2);
    expect(r.stderr.trimEnd().split('\n'), what).toHaveLength(1);
    expect(r.stderr, what).not.toMatch(/\.\./);
    expect(r.stderr, what).not.toMatch(STACK);
  });
}

describe('the command line names bad input', { timeout: 180_000 }, () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('says an option needs a value instead of "argument is ambiguous.."', async () => {
    const dir = await world.dir();
    const at = ['--data-dir', dir];
    const cases: Array<[string[], RegExp]> = [
      [
        ['upstream', 'list', '-o', '--config', 'x.json', ...at],
        /^mcpproxy: upstream list: Option -o needs a value \(table or json\)\. Run "mcpproxy upstream list --help" for usage\.$/,
      ],
      [
        ['auth', 'login', '--server', '--config', 'x.json', ...at],
        /^mcpproxy: auth login: Option --server needs a value \(a server name\)\. Run/,
      ],
      [
        ['auth', 'login', '--server', 'tsrv', '--timeout', '-5', ...at],
        /^mcpproxy: auth login: Option --timeout needs a value \(a duration like 300s, 5m or 1h\); to pass "-5" write --timeout=-5\.$/,
      ],
      [
        ['auth', 'login', '--server', 'x', '--force=yes', ...at],
        /^mcpproxy: auth login: Option '--force' does not take an argument\. Run "mcpproxy auth login --help" for usage\.$/,
      ],
    ];
    expectUsageError(await runAll(cases.map(([args]) => args)), cases);
  });

  it('refuses a --url or $MCPPROXY_URL that is not http(s)://host:port as a usage error', async () => {
    const at = ['--data-dir', await world.dir()];
    const form = (source: string, got: string) =>
      `^mcpproxy: ${source.replace('$', '\\$')} must be http\\(s\\)://host:port, e\\.g\\. http://127\\.0\\.0\\.1:8080 \\(got "${got.replace(/[.]/g, '\\.')}"\\)`;
    const cases: Array<[string[], RegExp]> = [
      [
        ['auth', 'status', '--url', 'ftp://x', ...at],
        new RegExp(`${form('--url', 'ftp://x')}: the daemon speaks HTTP only\\.$`),
      ],
      [
        ['upstream', 'list', '--url', 'http://127.0.0.1:', ...at],
        new RegExp(`${form('--url', 'http://127.0.0.1:')}: the port is missing after ":"\\.$`),
      ],
      [
        ['auth', 'logout', '--all', '--url', '127.0.0.1:', ...at],
        new RegExp(`${form('--url', '127.0.0.1:')}: the port is missing after ":"\\.$`),
      ],
    ];
    expectUsageError(await runAll(cases.map(([args]) => args)), cases);
    const fromEnv: Array<[string[], RegExp]> = [
      [
        ['auth', 'status', ...at],
        new RegExp(`${form('$MCPPROXY_URL', 'ftp://x')}: the daemon speaks HTTP only\\.$`),
      ],
    ];
    expectUsageError(await runAll([fromEnv[0]![0]], { MCPPROXY_URL: 'ftp://x' }), fromEnv);
  });

  it('refuses a timeout under 1 s or in units the docs do not list', async () => {
    const dir = await world.dir();
    const login = (timeout: string) => [
      'auth',
      'login',
      '--server',
      'x',
      '--no-browser',
      '--timeout',
      timeout,
      '--data-dir',
      dir,
      '--url',
      'http://127.0.0.1:1',
    ];
    const cases: Array<[string[], RegExp]> = [
      [login('0'), /^mcpproxy: --timeout must be from 1s to 24h \(got "0"\)\.$/],
      [login('0s'), /^mcpproxy: --timeout must be from 1s to 24h \(got "0s"\)\.$/],
      [login('0.5'), /^mcpproxy: --timeout must be from 1s to 24h \(got "0\.5"\)\.$/],
      [login('25h'), /^mcpproxy: --timeout must be from 1s to 24h \(got "25h"\)\.$/],
      [
        login('1ms'),
        /^mcpproxy: --timeout must be a duration like 300s, 5m or 1h \(got "1ms"\)\.$/,
      ],
    ];
    expectUsageError(await runAll(cases.map(([args]) => args)), cases);
  });

  it('refuses an empty --data-dir or --config instead of falling back to ~/.mcpproxy', async () => {
    const home = await world.dir();
    const dir = await world.dir();
    const listen = ['--listen', '127.0.0.1:0'];
    const cases: Array<[string[], RegExp]> = [
      [['serve', '--data-dir', '', ...listen], /^mcpproxy: --data-dir must not be empty: /],
      [
        ['serve', '--data-dir', dir, '--config', '', ...listen],
        /^mcpproxy: --config must not be empty: /,
      ],
      [['auth', 'status', '--data-dir', ' '], /^mcpproxy: --data-dir must not be empty: /],
    ];
    // HOME is a temp dir: what a fallback to the default data dir would create is visible there.
    const results = await runAll(
      cases.map(([args]) => args),
      { HOME: home },
    );
    expectUsageError(results, cases);
    expect(existsSync(join(home, '.mcpproxy'))).toBe(false);
  });

  it('says --out is a file instead of printing EEXIST', async () => {
    const dir = await world.dir();
    const file = join(dir, 'afile');
    await writeFile(file, 'x');
    const cases: Array<[string[], RegExp]> = [
      [
        ['statecharts', 'export', '--out', file],
        new RegExp(`^mcpproxy: --out ${file} is a file, not a directory: pass a directory\\.$`),
      ],
      [
        ['statecharts', 'export', '--out', join(file, 'sub')],
        /^mcpproxy: --out .*\/afile\/sub cannot be created: a parent of it is a file, not a directory\.$/,
      ],
    ];
    const results = await runAll(cases.map(([args]) => args));
    expectUsageError(results, cases);
    for (const r of results) expect(r.stderr).not.toMatch(/EEXIST|ENOTDIR/);
  });

  it("demo --data-dir leaves the user's mcp_config.json alone, even when it then fails", async () => {
    const dir = await world.dir();
    const mine = '{"mcpServers":{"mine":{"url":"https://example.com/mcp"}}}';
    await writeFile(join(dir, 'mcp_config.json'), mine);
    const cases: Array<[string[], RegExp]> = [
      [['demo', '--listen', 'nope', '--data-dir', dir], /^mcpproxy: .*--listen.*host:port/],
    ];
    const results = await runAll(cases.map(([args]) => args));
    expectUsageError(results, cases);
    expect(await readFile(join(dir, 'mcp_config.json'), 'utf8')).toBe(mine);
  });

  it('demo --data-dir creates a directory that does not exist yet (0700), as serve does', async () => {
    const dir = join(await world.dir(), 'new', 'demo');
    const cases: Array<[string[], RegExp]> = [
      [['demo', '--listen', 'nope', '--data-dir', dir], /^mcpproxy: .*--listen.*host:port/],
    ];
    const results = await runAll(cases.map(([args]) => args));
    expectUsageError(results, cases);
    expect(results[0]!.stderr).not.toContain('ENOENT');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('warns, naming the path, when the config file given by --config does not exist', async () => {
    const dir = await world.dir();
    const missing = join(dir, 'x', 'nonexist.json');
    // startProxy passes its own --config first; the later one wins.
    const proxy = await world.proxy({ config: {}, dataDir: dir, args: ['--config', missing] });
    const line = proxy
      .logLines()
      .find((l) => typeof l.msg === 'string' && l.msg.includes('starting with zero upstream'));
    expect(line, proxy.output()).toBeDefined();
    expect(line!.level).toBe(40); // warn
    expect(line!.msg).toBe(
      `Config file ${missing} (given by --config) does not exist: starting with zero upstream servers`,
    );
  });

  it('a login to a server that could not be reached says so, not "does not use OAuth"', async () => {
    const closed = await freePort();
    const proxy = await world.proxy({
      config: { mcpServers: [{ name: 'far', url: `http://127.0.0.1:${closed}/mcp` }] },
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    const view = await waitForView(proxy.url, 'far', (v) => v.state === 'retrying', {
      timeoutMs: 30_000,
    });

    const r = await runCli([
      'auth',
      'login',
      '--server',
      'far',
      '--no-browser',
      '--url',
      proxy.url,
    ]);

    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^mcpproxy: far could not be reached, so mcpproxy cannot tell yet whether it needs a login \(last error: .+\)\. It keeps retrying/,
    );
    expect(r.stderr).toContain(view.last_error!.replace(/[.\s]+$/, ''));
    expect(r.stderr).not.toContain('does not use OAuth');
  });

  it('a daemon that takes the connection but never answers is named as hung within 15 s', async () => {
    // Accepts connections and reads requests, answers nothing (a stopped or wedged process).
    const sockets = new Set<Socket>();
    const hung = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    world.defer(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    });
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;

    const started = Date.now();
    const r = await runCli(['upstream', 'list', '--url', url], { timeoutMs: 40_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `mcpproxy: mcpproxy at ${url} did not answer GET /api/v1/servers within 15 s: it may be hung. Check its log, or restart it.\n`,
    );
    expect(Date.now() - started).toBeLessThan(35_000);
  }, 60_000);
});
