/**
 * @module `GET /api/v1/inspect` of a real daemon during a login and token refreshes against the
 * OAuth test server (confidential client, rotating refresh tokens): events arrive for every
 * transition, and in 10 s of the stream no secret value appears — no access or refresh token,
 * client secret, authorization code, state or configured header value.
 */
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { startDaemon, type Daemon } from '../../cli/daemon.js';
import type { InspectionMessage } from '../../services/inspection/index.js';
import { createLogger } from '../../services/logger/index.js';
import { followAuthUrl } from '../helpers/browser.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { openSse } from './sse-reader.js';

const HEADER_SECRET = 'hdr-9d41c7e2b0';
const WINDOW_MS = 10_000;

let as: OAuthTestServer;
let daemon: Daemon;
let dataDir: string;
afterAll(async () => {
  await daemon?.stop();
  await as?.stop();
  if (dataDir) await removeTmpDir(dataDir);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function tokensOf(daemon: Daemon, name: string): string[] {
  const children = (
    daemon.supervisor.getSnapshot().context as { children: Record<string, AnyActorRef> }
  ).children;
  const tokens = children[name]?.getSnapshot().context.record?.tokens ?? {};
  return [tokens.access_token, tokens.refresh_token].filter(
    (t): t is string => typeof t === 'string',
  );
}

describe('GET /api/v1/inspect on a real daemon', () => {
  it('streams every transition of a login and refreshes, and never a secret', async () => {
    as = await startOAuthTestServer({ port: 0, accessTokenTtlS: 3, rotateRefreshTokens: true });
    const redirectUri = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    const client = as.registerClient({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    dataDir = await makeTmpDir('mcpproxy-inspect-');
    const configPath = join(dataDir, 'mcp_config.json');
    const oauth = {
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uri: redirectUri,
    };
    await writeFile(
      configPath,
      JSON.stringify({
        refresh: { threshold: 0.5, min_interval_s: 1 },
        mcpServers: {
          vault: {
            url: as.mcpUrl,
            protocol: 'http',
            oauth,
            headers: { 'X-Team-Token': HEADER_SECRET },
          },
        },
      }),
    );
    const logger = createLogger({ level: 'error', destination: { write: () => {} } });
    daemon = await startDaemon({
      configPath,
      dataDir,
      listen: '127.0.0.1:0',
      logger,
    });
    const url = daemon.url;

    const stream = await openSse(`${url}/api/v1/inspect`);
    const started = Date.now();
    const login = await fetch(`${daemon.url}/api/v1/servers/vault/login`, { method: 'POST' });
    const { auth_url } = (await login.json()) as { auth_url: string };
    const visit = await followAuthUrl(auth_url);
    const callback = new URL(visit.callbackUrl);
    const secrets = new Set([String(client.client_secret), HEADER_SECRET]);
    secrets.add(callback.searchParams.get('code')!);
    secrets.add(callback.searchParams.get('state')!);
    while (Date.now() - started < WINDOW_MS) {
      for (const token of tokensOf(daemon, 'vault')) secrets.add(token);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    stream.close();

    const text = stream.text();
    expect(secrets.size).toBeGreaterThan(6); // code, state, client secret, header, several token generations
    expect([...secrets].filter((secret) => text.includes(secret))).toEqual([]);

    const messages = stream.messages.map((m) => JSON.parse(m.data) as InspectionMessage);
    const vault = messages.filter((m) => m.systemId === 'upstream:vault');
    expect(new Set(vault.map((m) => m.type))).toEqual(
      new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot']),
    );
    const path = (m: InspectionMessage) =>
      m.type === '@xstate.event' ? '' : JSON.stringify(m.snapshot.value);
    const states = vault.map(path);
    expect(states).toContain('"loggingIn"');
    expect(states).toContain('{"authenticated":"refreshScheduled"}');
    expect(states).toContain('{"authenticated":"refreshing"}');
    const refreshed = vault.filter(
      (m) => m.type === '@xstate.snapshot' && m.event.type === 'refresh.done',
    );
    expect(refreshed.length).toBeGreaterThanOrEqual(2);
    expect(text).toContain('[REDACTED]');
  }, 30_000);
});
