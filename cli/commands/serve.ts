/**
 * @module `mcpproxy serve`: runs the daemon until SIGINT/SIGTERM, then stops the actors, flushes
 * the store and returns 0 within 5 s.
 */
import { homedir } from 'node:os';
import { resolvePaths } from '../../services/config/index.js';
import { createLogger, LOG_LEVELS } from '../../services/logger/index.js';
import { parseCommandArgs, parseLogLevel } from '../args.js';
import { startDaemon } from '../daemon.js';

export const SERVE_HELP = `Usage: mcpproxy serve [--config F] [--data-dir D] [--listen H:P] [--log-level L] [--inspect [--inspect-url URL]]

Runs the proxy: every configured upstream becomes a live actor; clients connect to /mcp.
  --config F        config file (default: $MCPPROXY_CONFIG, else <data-dir>/mcp_config.json)
  --data-dir D      data directory (default: $MCPPROXY_DATA_DIR, else ~/.mcpproxy)
  --listen H:P      address to listen on (default: the config's listen, else 127.0.0.1:8080)
  --log-level L     ${LOG_LEVELS.join(', ')} (default: info)
  --inspect         also stream the actors to a Stately inspector over WebSocket
  --inspect-url URL the inspector's WebSocket URL (default: ws://127.0.0.1:8090)
  -h, --help        show this help

Stop with Ctrl-C (SIGINT) or SIGTERM.`;

const SHUTDOWN_BUDGET_MS = 5_000;

export async function runServe(argv: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs('serve', argv, {
    config: { type: 'string' },
    'data-dir': { type: 'string' },
    listen: { type: 'string' },
    'log-level': { type: 'string' },
    inspect: { type: 'boolean' },
    'inspect-url': { type: 'string' },
  });
  if (values.help) {
    out(SERVE_HELP);
    return 0;
  }
  const level = parseLogLevel(values['log-level']);
  const { dataDir, configPath, configSource } = resolvePaths({
    flags: { config: values.config, dataDir: values['data-dir'] },
    env: process.env,
    homedir: homedir(),
  });
  const logger = createLogger({ level });
  const inspectors = values.inspect
    ? [
        (await import('./inspect.js')).statelyInspector(
          values['inspect-url'] ?? 'ws://127.0.0.1:8090',
          logger,
        ),
      ]
    : [];
  const daemon = await startDaemon({
    configPath,
    configSource,
    dataDir,
    listen: values.listen,
    logger,
    inspectors,
  });
  process.stderr.write(
    `mcpproxy ${daemon.url} (MCP endpoint ${daemon.url}/mcp, dashboard ${daemon.url}/)\n`,
  );

  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'Shutting down: stopping actors and flushing the token store');
      const forced = setTimeout(() => {
        logger.warn('Shutdown took longer than 5 s; exiting anyway');
        resolve(0);
      }, SHUTDOWN_BUDGET_MS - 500);
      forced.unref();
      daemon.stop().then(
        () => {
          clearTimeout(forced);
          resolve(0);
        },
        (error) => {
          logger.error({ err: error }, 'Error while shutting down');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
