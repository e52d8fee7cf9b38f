/**
 * @module The memoized REST server views: the route answers, byte for byte, what rendering every
 * view (`serverView`, `redact`, `JSON.stringify`) at that second gives, and a changed snapshot or
 * a new second shows at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverView } from '../../machines/upstream/server-view.js';
import { redact } from '../../services/logger/index.js';
import { serverViews } from '../../http/server-views.js';
import type { AnyActorRef } from 'xstate';
import {
  listUpstreams,
  upstreamRefs,
  type Upstream,
  type UpstreamSnapshot,
} from '../../http/upstreams.js';
import { T0 } from '../helpers/machine-harness.js';
import { closeApp, makeApp, post, type TestApp } from './support/app.js';

/** The answer before the memo: every view rendered at `now`, in one `JSON.stringify`. */
const unmemoized = (upstreams: Upstream[], now: number) =>
  JSON.stringify(upstreams.map((u) => redact(serverView(u.snapshot, now))));

const text = (body: Uint8Array) => Buffer.from(body).toString('utf8');

let t: TestApp;
let now: number;
beforeEach(async () => {
  now = T0 + 250;
  t = await makeApp({ now: () => now });
});
afterEach(() => closeApp(t));

const upstreams = () => listUpstreams(t.world.supervisor);
const get = (path: string) => t.app.request(path);

describe('GET /api/v1/servers, memoized', () => {
  it('answers byte for byte the unmemoized rendering, with the same content type', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await get('/api/v1/servers');
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.text()).toBe(unmemoized(upstreams(), now));
    }
  });

  it('shows a changed snapshot at once, within the same second', async () => {
    const before = await (await get('/api/v1/servers')).text();
    await t.app.request(post('/api/v1/servers/github/logout'));
    const after = await (await get('/api/v1/servers')).text();
    expect(after).not.toBe(before);
    expect(after).toBe(unmemoized(upstreams(), now));
    expect(JSON.parse(after)[0]).toMatchObject({ name: 'github', state: 'loginRequired' });
  });

  it('answers one server as the unmemoized rendering, also after a command', async () => {
    const one = async (name: string) => (await get(`/api/v1/servers/${name}`)).text();
    const github = () => upstreams().find((u) => u.name === 'github')!;
    expect(await one('github')).toBe(JSON.stringify(redact(serverView(github().snapshot, now))));
    const res = await t.app.request(post('/api/v1/servers/github/logout'));
    expect(await res.text()).toBe(JSON.stringify(redact(serverView(github().snapshot, now))));
    expect(await one('github')).toBe(JSON.stringify(redact(serverView(github().snapshot, now))));
  });
});

describe('serverViews', () => {
  /** `github`'s snapshot, retrying with a countdown to `nextRetryAt`: a view that moves with time. */
  const retrying = (nextRetryAt: number): Upstream => {
    const github = upstreams().find((u) => u.name === 'github')!;
    const snapshot: UpstreamSnapshot = {
      ...github.snapshot,
      value: 'retrying',
      context: { ...github.snapshot.context, failures: 2, nextRetryAt, lastError: 'HTTP 503' },
    };
    return { ...github, ref: { getSnapshot: () => snapshot } as AnyActorRef, snapshot };
  };

  it('keeps a view for the second it was rendered in, and follows the time after it', () => {
    const second = T0 + 10_000;
    const server = retrying(second + 5_500);
    const views = serverViews(() => now);
    now = second + 100;
    const first = text(views.list([server.ref]));
    expect(first).toBe(unmemoized([server], now));
    expect(JSON.parse(first)[0].health.detail).toBe('Retry 2 in 6s: HTTP 503');
    now = second + 900; // same second: the countdown rendered at its first request
    expect(text(views.list([server.ref]))).toBe(first);
    expect(views.one(server)).toBe(JSON.stringify(JSON.parse(first)[0]));
    now = second + 1_100;
    const next = text(views.list([server.ref]));
    expect(next).toBe(unmemoized([server], now));
    expect(JSON.parse(next)[0].health.detail).toBe('Retry 2 in 5s: HTTP 503');
  });

  it('answers the unmemoized rendering for views the time leaves alone, across seconds', () => {
    const views = serverViews(() => now);
    for (const at of [T0, T0 + 999, T0 + 1_000, T0 + 3_000]) {
      now = at;
      const answer = text(views.list(upstreamRefs(t.world.supervisor)));
      expect(answer).toBe(unmemoized(upstreams(), now));
    }
  });

  it('follows a new snapshot of one actor within the second', () => {
    const views = serverViews(() => now);
    let snapshot = retrying(T0 + 5_000).snapshot;
    const refs = [{ getSnapshot: () => snapshot } as AnyActorRef];
    const before = text(views.list(refs));
    snapshot = { ...snapshot, context: { ...snapshot.context, failures: 3 } };
    const after = text(views.list(refs));
    expect(after).not.toBe(before);
    expect(after).toBe(JSON.stringify([redact(serverView(snapshot, now))]));
  });

  it('answers an empty list as []', () => {
    expect(text(serverViews(() => now).list([]))).toBe('[]');
  });
});
