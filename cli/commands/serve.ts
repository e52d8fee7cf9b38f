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
  // A signal during the start (opening the store, listening, starting the actors) must stop
  // it cleanly too: it is noted now and acted on once the daemon is up.
  let stopSignal: string | null = null;
  let onSignal: (signal: string) => void = (signal) => void (stopSignal = signal);
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.once('SIGINT', sigint);
  process.once('SIGTERM', sigterm);
  const inspectors = values.inspect
    ? [
        (await import('./inspect.js')).statelyInspector(
          values['inspect-url'] ?? 'ws://127.0.0.1:8090',
          logger,
        ),
      ]
    : [];
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon({
      configPath,
      configSource,
      dataDir,
      listen: values.listen,
      logger,
      inspectors,
    });
  } catch (error) {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
    throw error;
  }
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
    if (stopSignal) shutdown(stopSignal);
    else onSignal = shutdown;
  });
}
