/**
 * @module Real `mcpproxy` processes for end-to-end tests: `serve` as a child process on an
 * ephemeral loopback port with its own data dir, and one-shot CLI runs. Every process started
 * here is stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTmpDir } from './tmp-dir.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'cli', 'bin.js');

export interface ProxyProcess {
  url: string;
  pid: number;
  dataDir: string;
  configPath: string;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout + stderr). */
  output(): string;
  /** Parsed JSON log lines so far. */
  logLines(): Array<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Environment for child processes: no colours, no browser, nothing inherited that points elsewhere. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', NO_BROWSER: '1', ...extra };
  for (const key of [
    'MCPPROXY_URL',
    'MCPPROXY_CONFIG',
    'MCPPROXY_DATA_DIR',
    'MCPPROXY_API_KEY',
    'MCPPROXY_STORE_URL',
  ]) {
    if (!(key in extra)) delete env[key];
  }
  return env;
}

/** Writes `config` (listen defaults to 127.0.0.1:0) into `<dataDir>/mcp_config.json`. */
export async function writeConfig(
  dataDir: string,
  config: Record<string, unknown>,
): Promise<string> {
  const path = join(dataDir, 'mcp_config.json');
  await writeFile(path, JSON.stringify({ listen: '127.0.0.1:0', ...config }, null, 2));
  return path;
}

/** Starts `mcpproxy serve`; resolves once it listens (bounded by `timeoutMs`). */
export async function startProxy(options: {
  config: Record<string, unknown>;
  dataDir?: string;
  env?: Record<string, string>;
  logLevel?: string;
  timeoutMs?: number;
  args?: string[];
}): Promise<ProxyProcess> {
  const dataDir = options.dataDir ?? (await makeTmpDir('mcpproxy-e2e-'));
  const configPath = await writeConfig(dataDir, options.config);
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--data-dir',
      dataDir,
      '--config',
      configPath,
      '--log-level',
      options.logLevel ?? 'debug',
      ...(options.args ?? []),
    ],
    { env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`mcpproxy serve did not start within ${options.timeoutMs ?? 20_000} ms:\n${out}`),
      );
    }, options.timeoutMs ?? 20_000);
    const check = () => {
      const match = /^mcpproxy (http:\/\/\S+) /m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mcpproxy serve exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    dataDir,
    configPath,
    child,
    output: () => out,
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      process.kill(child.pid!, signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mcpproxy <args>` to completion (bounded by `timeoutMs`). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls `probe` every `intervalMs` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
  throw new Error(
    `Timed out waiting for ${options.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`,
  );
}
