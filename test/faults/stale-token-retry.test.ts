/**
 * @module A call that carried the old access token while the refresh committed in flight: the
 * upstream's 401 is about a token the actor has already replaced. The call is repeated once with
 * the current token (a 401 means the upstream never ran it), and the actor is not told to
 * refresh again. This is what keeps "no call fails because of a refresh" true under load, when a
 * request can reach the upstream after the old token's expiry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { SessionEvent, UpstreamSession } from '../../machines/upstream/upstream.types.js';
import { UpstreamUnauthorizedError } from '../../services/errors.js';
import { createConnectActor } from '../../services/mcp-client/connect-actor.js';
import { createRefreshActor } from '../../services/oauth/refresh-actor.js';
import { silentLogger } from '../../services/oauth/service-logger.js';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { browserLogin, httpEntry } from '../services/oauth/fixtures.js';

let as: OAuthTestServer;
let session: UpstreamSession | undefined;
beforeEach(async () => {
  as = await startOAuthTestServer({ accessTokenTtlS: 300 });
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await as.stop();
});

async function refreshed(record: TokenRecord): Promise<TokenRecord> {
  const actor = createActor(createRefreshActor({ logger: silentLogger }), {
    input: {
      entry: httpEntry(as.mcpUrl),
      serverKey: 'demo_k',
      record,
      correlationId: 'c',
      attempt: 0,
    },
  }).start();
  return (await toPromise(actor)).record;
}

/** Connects with a token getter over `current`; `onUnauthorized` runs when a 401 arrives. */
async function connect(current: () => TokenRecord, onUnauthorized: () => void) {
  const events: SessionEvent[] = [];
  const baseFetch: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    if (response.status === 401) onUnauthorized();
    return response;
  };
  const actor = createActor(createConnectActor({ logger: silentLogger, baseFetch }), {
    input: {
      entry: httpEntry(as.mcpUrl),
      serverKey: 'demo_k',
      record: current(),
      accessToken: () => current().tokens?.access_token ?? null,
      notify: (event) => events.push(event),
    },
  }).start();
  session = (await toPromise(actor)).session;
  return events;
}

describe('a 401 for a token replaced while the call was in flight', () => {
  it('is retried once with the current token, and is not reported to the actor', async () => {
    const first = (await browserLogin({ entry: httpEntry(as.mcpUrl), record: null })).record;
    let current = first;
    let next: TokenRecord | null = null;
    const events = await connect(
      () => current,
      () => {
        // The refresh commits while this request is on its way back.
        if (next) current = next;
      },
    );
    as.expireTokens('access'); // the token the call carries is refused...
    next = await refreshed(first); // ...and a fresh one was issued meanwhile

    const result = await session!.callTool('echo', { message: 'raced' });
    expect(result).toEqual({ content: [{ type: 'text', text: 'raced' }] });
    expect(events.filter((e) => e.type === 'upstream.unauthorized')).toEqual([]);
  });

  it('a 401 for the current token still fails the call and is reported once', async () => {
    const first = (await browserLogin({ entry: httpEntry(as.mcpUrl), record: null })).record;
    const events = await connect(
      () => first,
      () => undefined,
    );
    as.expireTokens('access');
    await expect(session!.callTool('echo', { message: 'x' })).rejects.toBeInstanceOf(
      UpstreamUnauthorizedError,
    );
    await expect(session!.callTool('echo', { message: 'y' })).rejects.toBeInstanceOf(
      UpstreamUnauthorizedError,
    );
    expect(events.filter((e) => e.type === 'upstream.unauthorized')).toHaveLength(1);
  });
});
