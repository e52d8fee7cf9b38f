/**
 * @module Tokens stay with the authorization server that issued them: when a server's metadata
 * later names another AS (a compromised resource server, or a hostile one), the refresh is
 * refused before the refresh token or client id is sent anywhere, and the server needs a login.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { createRefreshActor } from '../../services/oauth/refresh-actor.js';
import { silentLogger } from '../../services/oauth/service-logger.js';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { browserLogin, httpEntry } from '../services/oauth/fixtures.js';
import { startHostileAs, type HostileAs } from './support/hostile-as.js';

let as: OAuthTestServer | undefined;
let hostile: HostileAs | undefined;
afterEach(async () => {
  await as?.stop();
  await hostile?.stop();
});

describe('refresh tokens are only presented to their own authorization server', () => {
  it('a server whose metadata now names another AS gets no refresh token: a clear dead-grant error', async () => {
    as = await startOAuthTestServer({ accessTokenTtlS: 300 });
    const { record } = await browserLogin({ entry: httpEntry(as.mcpUrl), record: null });
    expect(record.issuer).toBe(as.issuer);
    // The same server entry, whose protected-resource metadata now points to another AS.
    hostile = await startHostileAs();
    const actor = createActor(createRefreshActor({ logger: silentLogger }), {
      input: {
        entry: httpEntry(hostile.mcpUrl),
        serverKey: 'demo_k',
        record,
        correlationId: 'c',
        attempt: 0,
      },
    }).start();
    const error = await toPromise(actor).then(
      () => null,
      (e: unknown) => e as { result: string; message: string },
    );
    expect(error?.result).toBe('failed_invalid_grant');
    expect(error?.message).toMatch(/issued by .* not by/);
    expect(hostile.requests.filter((r) => r.startsWith('POST'))).toEqual([]);
  });
});
