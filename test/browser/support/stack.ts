/**
 * @module The real thing the page tests drive: `startDaemon` on an ephemeral port with a temp
 * data dir, and a config pointing at in-process OAuth test servers, plus an upstream whose
 * authorization server publishes no metadata.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, type Daemon } from '../../../cli/daemon.js';
import { createLogger } from '../../../services/logger/index.js';
import { makeTmpDir, removeTmpDir } from '../../helpers/tmp-dir.js';
import { startOAuthTestServer, type OAuthTestServer } from '../../oauthserver/index.js';

export interface DashboardStack {
  /** Where the page is (the daemon itself once it serves the page). */
  url: string;
  daemon: Daemon;
  /** alpha's authorization server: 8 s tokens. */
  alphaAs: OAuthTestServer;
  /** beta's: 2 s tokens, every refresh answered with HTTP 500. */
  betaAs: OAuthTestServer;
  stop(): Promise<void>;
}

async function noMetadataServer(): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(req.url?.includes('/.well-known/') ? 404 : 401, { 'www-authenticate': 'Bearer' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * Starts the stack: alpha (OAuth, not logged in), beta (OAuth, its AS refuses refreshes),
 * gamma (OAuth configured, but its server has no OAuth metadata).
 */
export async function startDashboardStack(): Promise<DashboardStack> {
  const dataDir = await makeTmpDir('mcpproxy-browser-');
  const alphaAs = await startOAuthTestServer({ port: 0, accessTokenTtlS: 8 });
  const betaAs = await startOAuthTestServer({
    port: 0,
    accessTokenTtlS: 2,
    fail: { mode: 'server_error', grant: 'refresh_token' },
  });
  const plain = await noMetadataServer();
  const configPath = join(dataDir, 'mcp_config.json');
  const gammaUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/mcp`;
  await writeFile(
    configPath,
    JSON.stringify({
      refresh: { threshold: 0.5, min_interval_s: 1 },
      mcpServers: {
        alpha: { url: alphaAs.mcpUrl, protocol: 'http', oauth: {} },
        beta: { url: betaAs.mcpUrl, protocol: 'http', oauth: {} },
        gamma: { url: gammaUrl, protocol: 'http', oauth: {} },
      },
    }),
  );
  const logger = createLogger({ level: 'error', destination: { write: () => {} } });
  const daemon = await startDaemon({ configPath, dataDir, listen: '127.0.0.1:0', logger });
  const url = daemon.url;
  return {
    url,
    daemon,
    alphaAs,
    betaAs,
    async stop() {
      await daemon.stop();
      await Promise.all([alphaAs.stop(), betaAs.stop()]);
      await new Promise((resolve) => plain.close(resolve));
      plain.closeAllConnections();
      await removeTmpDir(dataDir);
    },
  };
}
