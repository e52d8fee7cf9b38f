/**
 * @module The OAuth test server's optional state file: a server restarted on the same port with
 * the same file still knows the clients and tokens it issued, so tests can take the AS down.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { bearerProbe, refreshByHand } from '../oauthserver/requests.js';
import { loginWithSdk } from '../oauthserver/sdk-client.js';
import { tmpDirs } from '../helpers/tmp-dir.js';

const dirs = tmpDirs('mcpproxy-as-state-');
/** Lets this process's fetch pool notice the sockets the stopped server closed. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
let as: OAuthTestServer | undefined;
afterEach(async () => {
  await as?.stop();
  as = undefined;
  await dirs.cleanup();
});

describe('OAuth test server state file', () => {
  it('a restart on the same port keeps clients, grants and tokens (rotation included)', async () => {
    const stateFile = join(await dirs.make(), 'as.json');
    as = await startOAuthTestServer({ rotateRefreshTokens: true, stateFile });
    const login = await loginWithSdk(as.mcpUrl);
    const { port } = as;
    await as.stop();
    await settle();
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

    as = await startOAuthTestServer({ rotateRefreshTokens: true, stateFile, port });
    expect((await bearerProbe(as.mcpUrl, login.tokens.access_token)).status).not.toBe(401);
    const tokenUrl = String(login.metadata.token_endpoint);
    const refreshed = await refreshByHand(
      tokenUrl,
      login.client.client_id,
      login.tokens.refresh_token!,
    );
    expect(refreshed.status).toBe(200);
    // The retired token is remembered as retired across the restart too.
    await as.stop();
    await settle();
    as = await startOAuthTestServer({ rotateRefreshTokens: true, stateFile, port });
    const reused = await refreshByHand(
      tokenUrl,
      login.client.client_id,
      login.tokens.refresh_token!,
    );
    expect(reused.status).toBe(400);
    expect(as.log().at(-1)?.reused_refresh_token).toBe(true);
  });

  it('without a state file a restart forgets everything', async () => {
    as = await startOAuthTestServer();
    const login = await loginWithSdk(as.mcpUrl);
    const { port } = as;
    await as.stop();
    await settle();
    as = await startOAuthTestServer({ port });
    expect((await bearerProbe(as.mcpUrl, login.tokens.access_token)).status).toBe(401);
  });
});
