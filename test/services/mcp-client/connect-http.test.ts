/**
 * The connect actor against the OAuth-protected MCP server of the test server: bearer token read
 * at request time, call-time 401 and insufficient_scope reported as events, and no refresh by the
 * SDK transport when the token expires mid-session.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { TokenRecord } from '../../../machines/upstream/token-record.js';
import type {
  ConnectInput,
  SessionEvent,
  UpstreamSession,
} from '../../../machines/upstream/upstream.types.js';
import { InsufficientScopeError, UpstreamUnauthorizedError } from '../../../services/errors.js';
import { createConnectActor } from '../../../services/mcp-client/connect-actor.js';
import { createRefreshActor } from '../../../services/oauth/refresh-actor.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { pickFreePort } from '../../../services/oauth/redirect.js';
import { startOAuthTestServer } from '../../oauthserver/index.js';
import type { OAuthTestServer } from '../../oauthserver/index.js';
import { browserLogin, httpEntry } from '../oauth/fixtures.js';

let as: OAuthTestServer;
let record: TokenRecord;
let session: UpstreamSession | undefined;
beforeEach(async () => {
  as = await startOAuthTestServer({ port: 0, accessTokenTtlS: 300 });
  record = (await browserLogin({ entry: httpEntry(as.mcpUrl), record: null })).record;
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await as.stop();
});

/**
 * Connects with the connect actor; `token()` is read at every request. A call refused with 401
 * waits at most 300 ms for a new token here (nothing refreshes unless a test does).
 */
async function connect(overrides: Partial<ConnectInput> = {}) {
  const events: SessionEvent[] = [];
  const input: ConnectInput = {
    entry: httpEntry(as.mcpUrl),
    serverKey: 'demo_k',
    record,
    accessToken: () => record.tokens?.access_token ?? null,
    notify: (event) => events.push(event),
    ...overrides,
  };
  const actor = createActor(createConnectActor({ logger: silentLogger, refreshWaitMs: 300 }), {
    input,
  }).start();
  const output = await toPromise(actor);
  session = output.session;
  return { ...output, events };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

describe('createConnectActor over Streamable HTTP', () => {
  it('lists the tools as ToolInfo and passes call results through unchanged', async () => {
    const { tools, session: s } = await connect();
    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'admin_action', 'echo', 'whoami']);
    expect(tools.find((t) => t.name === 'echo')).toMatchObject({
      description: 'Returns the message unchanged.',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
    });
    expect(tools.find((t) => t.name === 'whoami')?.outputSchema).toBeDefined();

    expect(await s.callTool('echo', { message: 'hi' })).toEqual({
      content: [{ type: 'text', text: 'hi' }],
    });
    const who = await s.callTool('whoami', {});
    expect(who.structuredContent).toEqual({
      client_id: record.registration?.client_id,
      scopes: ['mcp'],
    });
  });

  it('a 401 at call time notifies upstream.unauthorized once and fails the call clearly', async () => {
    const { session: s, events } = await connect();
    as.expireTokens('access');

    const first = await failureOf(s.callTool('echo', { message: 'a' }));
    const second = await failureOf(s.callTool('echo', { message: 'b' }));

    expect(first).toBeInstanceOf(UpstreamUnauthorizedError);
    expect((first as Error).message).toBe(
      'demo rejected the access token (HTTP 401); mcpproxy is refreshing it, try again shortly.',
    );
    expect(second).toBeInstanceOf(UpstreamUnauthorizedError);
    expect(events).toEqual([{ type: 'upstream.unauthorized', reason: 'HTTP 401 at call time' }]);
  });

  it('a 401 at call time waits for the refresh it starts and goes through with the new token', async () => {
    // The actor's part, played here: on upstream.unauthorized a new token is committed.
    const { session: s } = await connect({
      notify: (event) => {
        if (event.type !== 'upstream.unauthorized') return;
        void browserLogin({ entry: httpEntry(as.mcpUrl), record }).then((run) => {
          record = run.record;
        });
      },
    });
    const before = record.tokens?.access_token;
    as.expireTokens('access');

    expect(await s.callTool('echo', { message: 'through' })).toEqual({
      content: [{ type: 'text', text: 'through' }],
    });
    expect(record.tokens?.access_token).not.toBe(before);
  });

  it('403 insufficient_scope notifies a step-up and names the missing scope', async () => {
    const { session: s, events } = await connect();
    const failure = await failureOf(s.callTool('admin_action', {}));

    expect(failure).toBeInstanceOf(InsufficientScopeError);
    expect((failure as InsufficientScopeError).scopes).toContain('admin');
    expect((failure as Error).message).toMatch(/^demo requires the scope admin for admin_action/);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'upstream.insufficient_scope',
        scopes: expect.arrayContaining(['admin']),
      }),
    );
  });

  it('never refreshes on its own: after expiry only the actor refreshes, and the session goes on', async () => {
    const { session: s } = await connect();
    as.expireTokens('access');
    await failureOf(s.callTool('echo', { message: 'expired' }));
    expect(as.log().filter((e) => e.grant_type === 'refresh_token')).toHaveLength(0);

    const refresh = createActor(createRefreshActor({ logger: silentLogger }), {
      input: {
        entry: httpEntry(as.mcpUrl),
        serverKey: 'demo_k',
        record,
        correlationId: 'c',
        attempt: 0,
      },
    }).start();
    record = (await toPromise(refresh)).record;

    expect(await s.callTool('echo', { message: 'again' })).toEqual({
      content: [{ type: 'text', text: 'again' }],
    });
    expect(as.log().filter((e) => e.grant_type === 'refresh_token')).toHaveLength(1);
  });

  it('a 401 at connect without OAuth config but with resource_metadata means "OAuth required"', async () => {
    const failure = await failureOf(
      connect({ entry: httpEntry(as.mcpUrl, null), record: null, accessToken: () => null }),
    );
    expect(failure).toMatchObject({
      unauthorized: true,
      message: 'demo requires OAuth (HTTP 401 pointing to protected-resource metadata)',
    });
  });

  it('a rejected token at connect is unauthorized (the actor may refresh)', async () => {
    as.expireTokens('access');
    const failure = await failureOf(connect());
    expect(failure).toMatchObject({
      unauthorized: true,
      message: 'demo rejected the access token (HTTP 401)',
    });
  });

  it('a refused connection is a network failure', async () => {
    const port = await pickFreePort();
    const failure = await failureOf(
      connect({ entry: httpEntry(`http://127.0.0.1:${port}/mcp`, null) }),
    );
    expect(failure).toMatchObject({
      result: 'failed_network',
      message: 'demo could not be reached: connection refused.',
    });
  });

  it('a lost MCP session is reported as a disconnect', async () => {
    const { session: s, events } = await connect();
    await as.closeSessions();
    const failure = await failureOf(s.callTool('echo', { message: 'x' }));
    expect((failure as Error).message).toBe('demo lost the MCP session (HTTP 404); reconnecting.');
    expect(events).toContainEqual({
      type: 'upstream.disconnected',
      error: 'the MCP session expired (HTTP 404)',
      sessionExpired: true,
    });
  });
});
