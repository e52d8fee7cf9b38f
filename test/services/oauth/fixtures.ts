/**
 * @module Shared arrangements of the OAuth service tests: config entries, a debug logger whose
 * lines are captured, and a login driven by the browser stand-in.
 */
import type { TokenRecord } from '../../../machines/upstream/token-record.js';
import type { OAuthEntry, UpstreamEntry } from '../../../machines/upstream/upstream.types.js';
import { createLogger } from '../../../services/logger/index.js';
import type { Logger } from '../../../services/logger/index.js';
import { runLoginFlow } from '../../../services/oauth/login-flow.js';
import type { LoginFlowOptions } from '../../../services/oauth/login-flow.js';
import { followAuthUrl } from '../../helpers/browser.js';
import type { BrowserVisit } from '../../helpers/browser.js';

/** An HTTP entry for `url`, with OAuth settings merged over empty defaults. */
export function httpEntry(
  url: string,
  oauth: Partial<OAuthEntry> | null = {},
  name = 'demo',
): UpstreamEntry {
  return {
    name,
    protocol: 'http',
    url,
    command: null,
    args: [],
    env: {},
    cwd: null,
    headers: {},
    enabled: true,
    oauth:
      oauth === null
        ? null
        : {
            client_id: null,
            client_secret: null,
            scopes: [],
            redirect_uri: null,
            extra_params: {},
            ...oauth,
          },
  };
}

/** A stdio upstream entry named `name` running `command args`. */
export function stdioEntry(command: string, args: string[], name = 'local'): UpstreamEntry {
  return {
    name,
    protocol: 'stdio',
    url: null,
    command,
    args,
    env: {},
    cwd: null,
    headers: {},
    enabled: true,
    oauth: null,
  };
}

/** A debug-level pino logger writing JSON lines into `lines`. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (s: string) => void lines.push(s) },
  });
  return { logger, lines };
}

/** What one browser-driven login produced. */
export interface LoginRun {
  record: TokenRecord;
  visit: BrowserVisit;
  authUrl: URL;
  registered: TokenRecord[];
}

/** Runs {@link runLoginFlow} with {@link followAuthUrl} as the browser. */
export async function browserLogin(
  options: Omit<LoginFlowOptions, 'onAuthUrl' | 'correlationId' | 'logger' | 'serverKey'> &
    Partial<Pick<LoginFlowOptions, 'logger' | 'correlationId' | 'serverKey'>>,
): Promise<LoginRun> {
  let visit: Promise<BrowserVisit> | undefined;
  let authUrl: URL | undefined;
  const registered: TokenRecord[] = [];
  const record = await runLoginFlow({
    serverKey: 'demo_0123456789abcdef',
    correlationId: 'corr-login',
    logger: captureLogger().logger,
    ...options,
    onAuthUrl: (url) => {
      authUrl = new URL(url);
      visit = followAuthUrl(url);
    },
    onRegistered: (r) => {
      registered.push(r);
      options.onRegistered?.(r);
    },
  });
  return { record, visit: await visit!, authUrl: authUrl!, registered };
}
