/** @module A real pino logger (the project's) writing JSON lines into memory for assertions. */
import { createLogger, type Logger } from '../../../services/logger/index.js';

export interface MemoryLogger {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
}

export function memoryLogger(): MemoryLogger {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}
