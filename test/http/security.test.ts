/**
 * @module Request hygiene: API key (header, query, constant-time compare), Host/Origin checks,
 * body limit 413, unknown routes, and error answers without stacks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { keysMatch } from '../../http/middleware/api-key.js';
import { hostnameOf } from '../../http/middleware/host-check.js';
import { closeApp, makeApp, post, type TestApp } from './support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await closeApp(t);
  t = undefined;
});

const KEY = 's3cret-key-0123456789';

describe('API key', () => {
  it.each([
    '/api/v1/servers',
    '/api/v1/statecharts',
    '/api/v1/openapi.json',
    '/metrics',
    '/api/v1/nope',
  ])(
    '%s needs the key: 401 without, wrong or empty; 200/404 with header or query',
    async (path) => {
      t = await makeApp({ apiKey: KEY });
      for (const headers of [
        {} as Record<string, string>,
        { 'x-api-key': 'wrong' },
        { 'x-api-key': '' },
        { 'x-api-key': `${KEY}x` },
      ]) {
        const res = await t.app.request(path, { headers });
        expect(res.status).toBe(401);
        expect(((await res.json()) as any).error.code).toBe('unauthorized');
      }
      const expected = path.endsWith('nope') ? 404 : 200;
      expect((await t.app.request(path, { headers: { 'X-API-Key': KEY } })).status).toBe(expected);
      expect((await t.app.request(`${path}?apikey=${KEY}`)).status).toBe(expected);
    },
  );

  it('guards /mcp and POST routes too', async () => {
    t = await makeApp({ apiKey: KEY });
    expect((await t.app.request('/mcp', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await t.app.request(post('/api/v1/servers/plain/restart'))).status).toBe(401);
  });

  it('leaves /healthz and /readyz open', async () => {
    t = await makeApp({ apiKey: KEY });
    expect((await t.app.request('/healthz')).status).toBe(200);
    expect((await t.app.request('/readyz')).status).toBe(200);
  });

  it('compares digests of equal length whatever the input lengths', () => {
    expect(keysMatch(KEY, KEY)).toBe(true);
    expect(keysMatch('', KEY)).toBe(false);
    expect(keysMatch(`${KEY}${'x'.repeat(10_000)}`, KEY)).toBe(false);
    expect(keysMatch('ü', 'u')).toBe(false);
  });
});

describe('Host and Origin checks', () => {
  it.each(['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'LOCALHOST'])(
    'accepts Host %s',
    async (host) => {
      t = await makeApp();
      expect((await t.app.request('/api/v1/servers', { headers: { host } })).status).toBe(200);
    },
  );

  it.each(['evil.example', 'evil.example:8080', '127.0.0.1.evil.example', 'localhost@evil', ''])(
    'refuses Host %j with 403',
    async (host) => {
      t = await makeApp();
      const res = await t.app.request('/api/v1/servers', { headers: { host } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as any).error.code).toBe('forbidden');
    },
  );

  it('a refused Host says which names work, not a setting that does not exist', async () => {
    t = await makeApp({ allowedHosts: ['proxy.lan:8080'] });
    const res = await t.app.request('/api/v1/servers', { headers: { host: 'evil.example:8080' } });
    const { message } = ((await res.json()) as any).error as { message: string };
    expect(message).toBe(
      'Host "evil.example" not allowed (DNS-rebinding protection): reach mcpproxy as ' +
        'localhost, 127.0.0.1, [::1] or proxy.lan, e.g. http://127.0.0.1:8080/. ' +
        'To serve other names, listen on 0.0.0.0 with an api_key.',
    );
    expect(message).not.toContain('allowed hosts');
  });

  it('accepts configured hosts, and leaves probes unchecked', async () => {
    t = await makeApp({ allowedHosts: ['proxy.lan:8080'] });
    expect(
      (await t.app.request('/api/v1/servers', { headers: { host: 'proxy.lan:8080' } })).status,
    ).toBe(200);
    expect((await t.app.request('/healthz', { headers: { host: '10.0.0.7:8080' } })).status).toBe(
      200,
    );
    expect((await t.app.request('/metrics', { headers: { host: '10.0.0.7:8080' } })).status).toBe(
      403,
    );
  });

  it('refuses a foreign Origin on state-changing routes and /mcp, not on reads', async () => {
    t = await makeApp();
    const origin = { origin: 'http://evil.example', host: 'localhost:8080' };
    expect(
      (await t.app.request(post('/api/v1/servers/plain/restart', undefined, origin))).status,
    ).toBe(403);
    expect((await t.app.request('/mcp', { method: 'GET', headers: origin })).status).toBe(403);
    expect((await t.app.request(post('/mcp', {}, { origin: 'null' }))).status).toBe(403);
    expect((await t.app.request('/api/v1/servers', { headers: origin })).status).toBe(200);
  });

  it('accepts same-origin and loopback Origins', async () => {
    t = await makeApp();
    for (const origin of ['http://localhost:8080', 'http://127.0.0.1:9999']) {
      const req = post('/api/v1/servers/plain/restart', undefined, {
        origin,
        host: 'localhost:8080',
      });
      expect((await t.app.request(req)).status).toBe(200);
    }
  });

  it('parses host names like a URL would', () => {
    expect(hostnameOf('LocalHost:1')).toBe('localhost');
    expect(hostnameOf('::1')).toBe('[::1]');
    expect(hostnameOf('a b')).toBeNull();
  });
});

describe('bodies, unknown routes and error answers', () => {
  it('refuses a body over 64 KiB with 413', async () => {
    t = await makeApp();
    const big = JSON.stringify({ force: 'x'.repeat(70_000) });
    const res = await t.app.request(post('/api/v1/servers/locked/login', big));
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe('payload_too_large');
  });

  it('refuses a streamed body over 64 KiB (no Content-Length) with 413', async () => {
    t = await makeApp();
    const chunk = new TextEncoder().encode('x'.repeat(16_384));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const req = new Request('http://localhost/api/v1/servers/locked/login', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect((await t.app.request(req)).status).toBe(413);
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    t = await makeApp();
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/api/v1/nope'],
      ['DELETE', '/api/v1/servers'],
      ['PUT', '/api/v1/servers/plain/login'],
    ]) {
      const res = await t.app.request(path!, { method });
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).error).toMatchObject({ code: 'not_found' });
    }
  });

  it('answers an internal failure with 500, no stack, and logs it', async () => {
    t = await makeApp();
    (t.world.supervisor as any).getSnapshot = () => {
      throw new Error('kaboom at /work/secret/path.ts:12 access_token=abc');
    };
    const res = await t.app.request('/api/v1/servers');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal_error', message: expect.any(String) },
    });
    expect(text).not.toMatch(/kaboom|\.ts:|abc/);
    expect(t.world.log.lines.some((l) => l.msg === 'request failed')).toBe(true);
  });
});
