/**
 * @module The `mcpproxy` command line: dispatches to the commands, and is the only place that
 * turns errors into exit codes (cli/exit-codes.ts) and calls `process.exit`.
 */
import { UsageError } from '../services/errors.js';
import { describeError, exitCodeOf } from './exit-codes.js';
import { EXIT_INTERRUPTED, InterruptedError } from './spinner.js';

export const MAIN_HELP = `mcpproxy - a reliable MCP proxy that keeps OAuth upstreams logged in

Usage: mcpproxy <command> [options]

Commands:
  serve                      run the proxy (REST API, /mcp endpoint, dashboard)
  upstream list              list upstream servers with state and health
  auth login --server NAME   log in to an OAuth upstream (browser flow)
  auth logout                remove stored tokens (--server NAME | --all)
  auth status                show token status of every server
  statecharts export         write the machines' definitions (JSON + Mermaid)
  demo                       start the OAuth test server and a proxy pointed at it

Options:
  -h, --help                 show this help ("mcpproxy help <command>" for a command's)
  -V, -v, --version          print the version (also "mcpproxy version")

Run "mcpproxy <command> --help" for a command's options.
Environment: MCPPROXY_DATA_DIR, MCPPROXY_CONFIG, MCPPROXY_URL, MCPPROXY_API_KEY,
MCPPROXY_ENCRYPTION_KEY, MCPPROXY_STORE_URL, MCPPROXY_REPLICA_ID, MCPPROXY_DEBUG,
BROWSER, HEADLESS, NO_BROWSER, NO_COLOR.`;

const VERSION_FLAGS = new Set(['--version', '-V', '-v', 'version']);

type Command = (argv: string[], out: (line: string) => void) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.js')).runServe,
  upstream: async () => (await import('./commands/upstream.js')).runUpstream,
  auth: async () => (await import('./commands/auth.js')).runAuth,
  statecharts: async () => (await import('./commands/statecharts.js')).runStatecharts,
  demo: async () => (await import('./commands/demo.js')).runDemo,
};

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const [name, ...rest] = argv;
  try {
    if (name === undefined) {
      // A usage error: the help goes to stderr, as any error does.
      process.stderr.write(`${MAIN_HELP}\n`);
      return 2;
    }
    if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      out(MAIN_HELP);
      return 0;
    }
    // `mcpproxy help auth login` is `mcpproxy auth login --help`.
    if (name === 'help') return await main([...rest, '--help']);
    if (VERSION_FLAGS.has(name)) {
      const { version } = await import('./version.js');
      out(version);
      return 0;
    }
    const load = commands[name];
    if (!load && name.startsWith('-'))
      throw new UsageError(`Unknown option "${name}". Run "mcpproxy --help" for usage.`);
    if (!load)
      throw new UsageError(`Unknown command "${name}". Run "mcpproxy --help" for the list.`);
    return await (
      await load()
    )(rest, out);
  } catch (error) {
    process.stderr.write(`mcpproxy: ${describeError(error)}\n`);
    if (process.env.MCPPROXY_DEBUG && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    return error instanceof InterruptedError ? EXIT_INTERRUPTED : exitCodeOf(error);
  }
}

// No top-level await: the compiled CLI is CommonJS (cli/build.js).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Long-running commands may leave handles (child processes, sockets) behind on purpose-built
  // shutdown paths; make sure the process ends once they are done.
  setTimeout(() => process.exit(code), 200).unref();
});
