/**
 * @module `serve --inspect`: streams every actor's inspection events to a Stately inspector
 * over WebSocket through `@statelyai/inspect` (sanitised exactly like `/api/v1/inspect`). It
 * never blocks or crashes serve: nobody listening only means retries every 5 s.
 */
import { createInspector } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';
import { UsageError } from '../../services/errors.js';
import {
  sanitizeStatelyEvent,
  statelyInput,
  WsInspectorAdapter,
} from '../../services/inspection/index.js';
import type { Logger } from '../../services/logger/index.js';

/** Where `--inspect` sends events unless `--inspect-url` says otherwise. */
export const DEFAULT_INSPECT_URL = 'ws://127.0.0.1:8090';

/** An inspection callback for the supervisor's fan-out, with a `stop()` to close the socket. */
export type StatelyInspector = ((event: InspectionEvent) => void) & { stop(): void };

export interface StatelyInspectorOptions {
  /** Wait between connection attempts (default 5 000 ms). */
  retryMs?: number;
}

/** Checks an inspector URL: `ws://` or `wss://` only. Throws UsageError. */
export function parseInspectUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `--inspect-url must be a WebSocket URL like ${DEFAULT_INSPECT_URL} (got "${url}").`,
    );
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new UsageError(`--inspect-url must start with ws:// or wss:// (got "${url}").`);
  }
  return parsed;
}

/**
 * Connects to the Stately inspector at `url` (in the background) and returns the callback that
 * forwards inspection events to it. Events wait (up to 200) while nothing listens.
 */
export function statelyInspector(
  url: string,
  logger: Logger,
  options: StatelyInspectorOptions = {},
): StatelyInspector {
  const href = parseInspectUrl(url).href;
  const adapter = new WsInspectorAdapter({
    url: href,
    retryMs: options.retryMs,
    onStatus(status, detail) {
      if (status === 'open')
        logger.info({ url: href }, 'Streaming actors to the Stately inspector');
      else if (status === 'closed')
        logger.warn({ url: href }, 'Stately inspector disconnected; reconnecting');
      else
        logger.warn(
          { url: href, error: detail },
          'Stately inspector not reachable; retrying every 5 s',
        );
    },
  });
  const inspector = createInspector(adapter, { serialize: sanitizeStatelyEvent });
  inspector.start();
  const forward = (event: InspectionEvent) => {
    try {
      const input = statelyInput(event);
      if (input) inspector.inspect.next?.(input);
    } catch {
      // Inspection is best-effort: never let it break the actors.
    }
  };
  return Object.assign(forward, { stop: () => inspector.stop() });
}
