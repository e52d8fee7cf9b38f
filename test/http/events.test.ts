/**
 * @module `GET /api/v1/events` over a real @hono/node-server: the present state on connect, a
 * live transition, pings, the API key in the query, and unsubscribing when the client leaves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeApp, makeApp, serveApp, type Served, type TestApp } from './support/app.js';
import { within } from './support/bounded.js';
import { SseReader } from './support/sse.js';

let t: TestApp | undefined;
let served: Served | undefined;
const controllers: AbortController[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) c.abort();
  await served?.close();
  await closeApp(t);
  t = served = undefined;
});

async function connect(path = '/api/v1/events') {
  const controller = new AbortController();
  controllers.push(controller);
  const res = await fetch(`${served!.url}${path}`, { signal: controller.signal });
  return { res, controller, sse: new SseReader(res) };
}

describe('GET /api/v1/events', () => {
  it('first sends upstream.state for every server, then live transitions', async () => {
    t = await makeApp();
    served = await serveApp(t.app);
    const { res, sse } = await connect();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');

    for (const server of ['github', 'locked', 'off', 'plain']) {
      const m = await sse.next((m) => m.event === 'upstream.state' && m.data.server === server);
      expect(m.data).toMatchObject({ type: 'upstream.state', server, health: expect.any(Object) });
      expect(m.data.timestamp).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    }
    expect(sse.messages.slice(0, 4).map((m) => `${m.event} ${m.data.server}`)).toEqual([
      'upstream.state github',
      'upstream.state locked',
      'upstream.state off',
      'upstream.state plain',
    ]);
    const present = sse.messages.length;
    t.world.child('github').send({ type: 'auth.logout' });
    const live = await sse.next(
      (m) => m.event === 'oauth.login_required' && m.data.server === 'github',
    );
    expect(live.data.reason).toContain('Logged out');
    const state = sse.messages
      .slice(present)
      .find((m) => m.event === 'upstream.state' && m.data.server === 'github');
    expect(state?.data).toMatchObject({ state: 'loginRequired', oauth_status: 'login_required' });
  });

  it('pings every pingIntervalMs with a timestamp', async () => {
    t = await makeApp({ pingIntervalMs: 20 });
    served = await serveApp(t.app);
    const { sse } = await connect();
    const ping = await sse.next((m) => m.event === 'ping');
    expect(ping.data.timestamp).toMatch(/Z$/);
  });

  it('takes the API key from ?apikey= (EventSource cannot set headers)', async () => {
    t = await makeApp({ apiKey: 'k-123' });
    served = await serveApp(t.app);
    expect((await fetch(`${served.url}/api/v1/events`)).status).toBe(401);
    const { res, sse } = await connect('/api/v1/events?apikey=k-123');
    expect(res.status).toBe(200);
    await sse.next((m) => m.event === 'upstream.state');
  });

  it('unsubscribes from the hub when the client goes away', async () => {
    t = await makeApp();
    const hub = t.world.events;
    let unsubscribed!: () => void;
    const gone = new Promise<void>((resolve) => (unsubscribed = resolve));
    const subscribe = hub.subscribe.bind(hub);
    hub.subscribe = (listener) => {
      const off = subscribe(listener);
      return () => {
        unsubscribed();
        return off();
      };
    };
    served = await serveApp(t.app);
    const { sse, controller } = await connect();
    await sse.next((m) => m.event === 'upstream.state');
    expect(hub.size).toBe(1);
    controller.abort();
    await within(gone, 3000, 'the stream to unsubscribe');
    expect(hub.size).toBe(0);
  });

  it('ends open streams when the app closes', async () => {
    t = await makeApp();
    served = await serveApp(t.app);
    const { sse } = await connect();
    await sse.next((m) => m.event === 'upstream.state');
    await t.app.close();
    await within(sse.done, 3000, 'the stream to end');
    expect(t.world.events.size).toBe(0);
  });
});
