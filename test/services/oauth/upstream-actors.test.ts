/**
 * The real services actors inside the real upstream statechart, against the OAuth test server:
 * parked → login (browser stand-in) → authenticated → a call-time 401 makes the actor refresh →
 * the same session works again; the store is a stand-in parent that commits what it is sent.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createActor, sendTo, setup, waitFor } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { randomUUID } from 'node:crypto';
import { upstreamMachine } from '../../../machines/upstream/upstream.machine.js';
import type { UpstreamToParent } from '../../../machines/upstream/upstream.events.js';
import { createConnectActor, sessionActor } from '../../../services/mcp-client/index.js';
import { createLoginActor, createRefreshActor } from '../../../services/oauth/index.js';
import { followAuthUrl } from '../../helpers/browser.js';
import { startOAuthTestServer } from '../../oauthserver/index.js';
import type { OAuthTestServer } from '../../oauthserver/index.js';
import { captureLogger, httpEntry } from './fixtures.js';

let as: OAuthTestServer;
let host: ReturnType<typeof createActor<ReturnType<typeof hostMachine>>> | undefined;
beforeEach(async () => {
  as = await startOAuthTestServer({ port: 0, accessTokenTtlS: 300, rotateRefreshTokens: true });
});
afterEach(async () => {
  host?.stop();
  await as.stop();
});

/** A parent that commits every `token.issued` at the next generation and answers `token.persisted`. */
function hostMachine() {
  const { logger } = captureLogger();
  const upstream = upstreamMachine.provide({
    actors: {
      connect: createConnectActor({ logger }),
      session: sessionActor,
      refresh: createRefreshActor({ logger }),
      login: createLoginActor({ logger }),
    },
  });
  let generation = 0;
  return setup({ actors: { upstream } }).createMachine({
    invoke: {
      id: 'up',
      src: 'upstream',
      input: {
        entry: httpEntry(as.mcpUrl),
        serverKey: 'demo_k',
        record: null,
        recordError: null,
        settings: { threshold: 0.8, minIntervalMs: 1000 },
        jitter: 0,
        env: { now: Date.now, newId: randomUUID },
      },
    },
    on: {
      'token.issued': {
        actions: sendTo('up', ({ event }) => ({
          type: 'token.persisted',
          record: {
            ...(event as UpstreamToParent & { type: 'token.issued' }).record,
            generation: ++generation,
          },
        })),
      },
    },
  });
}

it('logs in, serves calls, and refreshes itself after a call-time 401, which the refused call waits for', async () => {
  host = createActor(hostMachine()).start();
  const up = host.getSnapshot().children.up as AnyActorRef;
  await waitFor(up, (s) => s.matches('loginRequired'));

  up.send({ type: 'auth.login' });
  const withUrl = await waitFor(up, (s) => Boolean(s.context.flow?.authUrl));
  const visit = await followAuthUrl(withUrl.context.flow.authUrl);
  expect(visit.callbackStatus).toBe(200);
  const ready = await waitFor(up, (s) => s.matches({ authenticated: 'refreshScheduled' }));
  const session = ready.context.session;
  expect(ready.context.tools.map((t: { name: string }) => t.name)).toContain('echo');
  expect(await session.callTool('echo', { message: 'one' })).toEqual({
    content: [{ type: 'text', text: 'one' }],
  });

  as.expireTokens('access');
  // Refused with 401, the call waits for the refresh the 401 starts and goes through with it.
  expect(await session.callTool('echo', { message: 'two' })).toEqual({
    content: [{ type: 'text', text: 'two' }],
  });
  await waitFor(
    up,
    (s) => s.matches({ authenticated: 'refreshScheduled' }) && s.context.record.generation >= 3,
  );
  expect(await session.callTool('echo', { message: 'three' })).toEqual({
    content: [{ type: 'text', text: 'three' }],
  });
  expect(as.log().filter((e) => e.grant_type === 'refresh_token')).toHaveLength(1);
});
