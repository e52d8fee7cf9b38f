/**
 * @module CLI entry of the OAuth test server (`npm run oauth-test-server -- --help`): prints a JSON
 * start line on stdout, each request on stderr, and stops cleanly on SIGINT/SIGTERM.
 * Usage errors: one line on stderr, exit 2.
 */
import { parseCliArgs, HELP } from './cli-args.js';
import { OptionsError } from './errors.js';
import { startOAuthTestServer } from './server.js';

async function main(argv: string[]): Promise<void> {
  const args = parseCliArgs(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const onRequest = args.quiet
    ? undefined
    : (entry: object) => process.stderr.write(`${JSON.stringify(entry)}\n`);
  const server = await startOAuthTestServer({
    ...args.options,
    onRequest,
    stateFile: args.stateFile,
  });
  const ready = {
    url: server.url,
    issuer: server.issuer,
    mcp: server.mcpUrl,
    resource_metadata: server.resourceMetadataUrl,
    port: server.port,
    pid: process.pid,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.stderr.write(
    `oauth-test-server: listening on ${server.url} (MCP ${server.mcpUrl}); Ctrl-C to stop\n`,
  );
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`oauth-test-server: ${signal}, stopping\n`);
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof OptionsError) {
    process.stderr.write(`oauth-test-server: ${error.message} (see --help)\n`);
    process.exit(2);
  }
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `oauth-test-server: cannot start: ${code ?? ''} ${message}\n`.replace('  ', ' '),
  );
  process.exit(1);
});
