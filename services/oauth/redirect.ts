/**
 * @module The stable redirect URI (SPEC §3): `http://127.0.0.1:<port>/oauth/callback` with a port
 * chosen once per server and persisted, or the one `oauth.redirect_uri` pins.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { UpstreamEntry } from '../../machines/upstream/upstream.types.js';
import { OAuthSetupError } from './oauth-errors.js';

export const CALLBACK_PATH = '/oauth/callback';

/** Where the flow's loopback listener waits for the browser. */
export interface CallbackTarget {
  redirectUri: string;
  /** Address to listen on. */
  host: string;
  port: number;
  path: string;
  /** Pinned by config (`oauth.redirect_uri`). */
  pinned: boolean;
  /** The port was chosen now (first registration): persist it. */
  chosenNow: boolean;
}

/** Resolves the redirect URI of a server: the pin, else the stored port, else a new free port. */
export async function resolveCallbackTarget(
  entry: UpstreamEntry,
  record: TokenRecord | null,
  freePort: () => Promise<number> = pickFreePort,
): Promise<CallbackTarget> {
  const pin = entry.oauth?.redirect_uri;
  if (pin) return pinnedTarget(entry.name, pin);
  const stored = record?.callback_port ?? null;
  const port = stored ?? (await freePort());
  return {
    redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    host: '127.0.0.1',
    port,
    path: CALLBACK_PATH,
    pinned: false,
    chosenNow: stored === null,
  };
}

function pinnedTarget(name: string, pin: string): CallbackTarget {
  const url = URL.canParse(pin) ? new URL(pin) : null;
  const host = url?.hostname.replace(/^\[(.*)\]$/, '$1');
  if (
    !url ||
    url.protocol !== 'http:' ||
    !['127.0.0.1', 'localhost', '::1'].includes(host ?? '') ||
    !url.port
  ) {
    throw new OAuthSetupError(
      `${name}: oauth.redirect_uri must be a loopback URL with a port, like ` +
        `http://127.0.0.1:8765${CALLBACK_PATH} (got ${pin}).`,
    );
  }
  return {
    redirectUri: url.href,
    host: host === 'localhost' ? '127.0.0.1' : host!,
    port: Number(url.port),
    path: url.pathname,
    pinned: true,
    chosenNow: false,
  };
}

/** A port that is free on 127.0.0.1 right now (the OS picks it). */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
