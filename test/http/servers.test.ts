/**
 * @module Contract tests of `/api/v1/servers…`: views, tools, login (start, join, authenticated,
 * force, failure), logout, restart, and their 400/404/409 paths.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { statePath } from '../../machines/upstream/health.js';
import { closeApp, makeApp, post, type TestApp } from './support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeApp();
});
afterEach(() => closeApp(t));

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
const stateOf = (name: string) => statePath(t.world.child(name).getSnapshot().value);

describe('GET /api/v1/servers', () => {
  it('answers every server view sorted by name, state taken from the actors', async () => {
    const { status, body } = await json(await t.app.request('/api/v1/servers'));
    expect(status).toBe(200);
    expect(body.map((s: any) => s.name)).toEqual(['github', 'locked', 'off', 'plain']);
    const byName = Object.fromEntries(body.map((s: any) => [s.name, s]));
    expect(byName.github).toMatchObject({
      state: 'authenticated.refreshScheduled',
      connected: true,
      tool_count: 3,
      oauth_status: 'authenticated',
      health: { level: 'healthy', summary: 'Connected (3 tools)', action: 'none' },
    });
    expect(byName.github.token_expires_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(byName.locked).toMatchObject({ state: 'loginRequired', oauth_status: 'login_required' });
    expect(byName.off).toMatchObject({
      state: 'idle',
      enabled: false,
      health: { action: 'enable' },
    });
    expect(byName.plain).toMatchObject({ state: 'connected', oauth: null, oauth_status: 'none' });
  });

  it('never carries token values', async () => {
    const text = await (await t.app.request('/api/v1/servers')).text();
    expect(text).not.toMatch(/at-seed|rt-seed|access_token/);
  });
});

describe('GET /api/v1/servers/:name and /tools', () => {
  it('answers one view', async () => {
    const { status, body } = await json(await t.app.request('/api/v1/servers/plain'));
    expect(status).toBe(200);
    expect(body.name).toBe('plain');
  });

  it('answers the tools of a connected server as the upstream listed them', async () => {
    const { status, body } = await json(await t.app.request('/api/v1/servers/plain/tools'));
    expect(status).toBe(200);
    expect(body.map((tool: any) => tool.name)).toEqual(['echo', 'fail', 'boom']);
    expect(body[0]).toMatchObject({ title: 'Echo', annotations: { readOnlyHint: true } });
  });

  it.each([
    ['/api/v1/servers/nope', 404, 'not_found'],
    ['/api/v1/servers/nope/tools', 404, 'not_found'],
    ['/api/v1/servers/..', 404, 'not_found'],
    ['/api/v1/servers/%2e%2e%2fetc', 400, 'bad_request'],
    ['/api/v1/servers/%E2%9C%93', 400, 'bad_request'],
    ['/api/v1/servers/__proto__', 404, 'not_found'],
    [`/api/v1/servers/${'a'.repeat(65)}`, 400, 'bad_request'],
  ])('%s → %i', async (path, status, code) => {
    const res = await json(await t.app.request(path));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toBeTruthy();
  });
});

describe('POST /api/v1/servers/:name/login', () => {
  it('starts a flow and answers its URL and correlation id (empty body)', async () => {
    const res = await json(await t.app.request(post('/api/v1/servers/locked/login')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'pending',
      auth_url: expect.stringContaining('https://as.example/authorize?'),
    });
    expect(res.body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stateOf('locked')).toBe('loggingIn');
  });

  it('joins the running flow: same correlation id and URL, one login actor', async () => {
    const first = await json(await t.app.request(post('/api/v1/servers/locked/login')));
    const second = await json(
      await t.app.request(post('/api/v1/servers/locked/login', { force: true })),
    );
    expect(second.body).toEqual(first.body);
    expect(t.world.loginCalls).toBe(1);
  });

  it('answers authenticated without a flow for a server with a valid token', async () => {
    const res = await json(await t.app.request(post('/api/v1/servers/github/login', {})));
    expect(res).toEqual({ status: 200, body: { status: 'authenticated' } });
    expect(t.world.loginCalls).toBe(0);
    expect(stateOf('github')).toBe('authenticated.refreshScheduled');
  });

  it.each([
    ['query', '/api/v1/servers/github/login?force=true', undefined],
    ['body', '/api/v1/servers/github/login', { force: true }],
  ])('force (%s) starts a new flow even when authenticated', async (_, path, body) => {
    const res = await json(await t.app.request(post(path, body)));
    expect(res.body.status).toBe('pending');
    expect(t.world.loginCalls).toBe(1);
  });

  it('completes: the server connects with the new token', async () => {
    await t.app.request(post('/api/v1/servers/locked/login'));
    t.world.completeLogins();
    await waitFor(t.world.child('locked'), (s) => statePath(s.value).startsWith('authenticated'), {
      timeout: 2000,
    });
    const view = await json(await t.app.request('/api/v1/servers/locked'));
    expect(view.body.oauth_status).toBe('authenticated');
  });

  it('a flow that fails before a URL appears answers 502 login_failed with the reason', async () => {
    t.world.loginMode = 'fail-before-url';
    const res = await json(await t.app.request(post('/api/v1/servers/locked/login')));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('login_failed');
    expect(res.body.error.message).toContain('no authorization server metadata');
  });

  it('a forced login of a working server that fails before a URL answers 502, and the server keeps its token', async () => {
    t.world.loginMode = 'fail-before-url';
    const res = await json(
      await t.app.request(post('/api/v1/servers/github/login', { force: true })),
    );
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('login_failed');
    expect(res.body.error.message).toContain('no authorization server metadata');
    await waitFor(t.world.child('github'), (s) => statePath(s.value).startsWith('authenticated'), {
      timeout: 2000,
    });
  });

  it('a flow that gives no URL in time answers 504 login_timeout', async () => {
    await closeApp(t);
    t = await makeApp({ loginUrlTimeoutMs: 50 });
    t.world.loginMode = 'hang';
    const res = await json(await t.app.request(post('/api/v1/servers/locked/login')));
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('login_timeout');
  });

  it('a flow that completes without a browser answers authenticated', async () => {
    t.world.loginMode = 'no-url';
    const res = await json(await t.app.request(post('/api/v1/servers/locked/login')));
    expect(res).toEqual({ status: 200, body: { status: 'authenticated' } });
  });

  it.each([
    ['plain', 400, 'bad_request'],
    ['off', 409, 'conflict'],
    ['nope', 404, 'not_found'],
  ])('login on %s → %i', async (name, status, code) => {
    const res = await json(await t.app.request(post(`/api/v1/servers/${name}/login`)));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it.each([
    ['{"force":', 'not valid JSON'],
    ['[1]', 'must be a JSON object'],
    ['{"forse":true}', 'Unknown field "forse"'],
    ['{"force":"yes"}', 'must be true or false'],
  ])('body %s → 400 naming the problem', async (body, message) => {
    const res = await json(await t.app.request(post('/api/v1/servers/locked/login', body)));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(message);
  });

  it('?force=maybe → 400', async () => {
    const res = await json(await t.app.request(post('/api/v1/servers/locked/login?force=maybe')));
    expect(res.status).toBe(400);
  });
});

describe('POST /api/v1/servers/:name/logout', () => {
  it('logs an OAuth server out and answers its view', async () => {
    const res = await json(await t.app.request(post('/api/v1/servers/github/logout')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'github',
      state: 'loginRequired',
      oauth_status: 'login_required',
    });
    expect(res.body.token_expires_at).toBeNull();
  });

  it('answers 400 for a server without OAuth', async () => {
    const res = await json(await t.app.request(post('/api/v1/servers/plain/logout')));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('does not use OAuth');
    expect(stateOf('plain')).toBe('connected');
  });
});

describe('POST /api/v1/servers/:name/restart', () => {
  it('reconnects and answers the view', async () => {
    const before = t.world.sessions.get('plain');
    const res = await json(await t.app.request(post('/api/v1/servers/plain/restart')));
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('plain');
    await waitFor(t.world.child('plain'), (s) => statePath(s.value) === 'connected', {
      timeout: 2000,
    });
    expect(t.world.sessions.get('plain')).not.toBe(before);
  });

  it('answers 409 for a disabled server', async () => {
    const res = await json(await t.app.request(post('/api/v1/servers/off/restart')));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
  });

  it('answers 409 for a stopped server', async () => {
    t.world.child('plain').send({ type: 'upstream.stop' });
    const res = await json(await t.app.request(post('/api/v1/servers/plain/restart')));
    expect(res.status).toBe(409);
  });
});
