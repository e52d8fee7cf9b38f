/**
 * @module Tests for the dashboard's routes: the page and its files come from the package with a
 * strict CSP and nothing from elsewhere; only known files are served; the demo switch works.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ASSETS_DIR, dashboardRoutes } from '../../http/dashboard/index.js';
import { startOAuthTestServer, type OAuthTestServer } from '../../test/oauthserver/index.js';

describe('dashboard routes', () => {
  const app = dashboardRoutes();

  it('serves the page at / with a CSP that allows only its own origin', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(await response.text()).toContain('<script type="module" src="/dashboard/main.js">');
  });

  it('serves every asset with its type, and nothing that refers to another host', async () => {
    for (const name of readdirSync(ASSETS_DIR)) {
      const response = await app.request(`/dashboard/${name}`);
      expect(response.status, name).toBe(200);
      const text = readFileSync(`${ASSETS_DIR}/${name}`, 'utf8');
      // No CDN, no fonts, no analytics: the page works offline. (The SVG namespace is a name.)
      const foreign = text
        .replaceAll('http://www.w3.org/2000/svg', '')
        .match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi);
      expect(foreign, name).toBeNull();
    }
    expect((await app.request('/dashboard/main.js')).headers.get('content-type')).toContain(
      'text/javascript',
    );
    expect((await app.request('/dashboard/style.css')).headers.get('content-type')).toContain(
      'text/css',
    );
  });

  it('serves only the files of its folder', async () => {
    for (const path of [
      '/dashboard/..%2Fdashboard-routes.ts',
      '/dashboard/nope.js',
      '/dashboard/.env',
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it('has no demo controls outside the demo', async () => {
    expect(await (await app.request('/dashboard/config.json')).json()).toEqual({ demo: null });
    const response = await app.request('/dashboard/demo/fail', {
      method: 'POST',
      body: '{"mode":"none"}',
    });
    expect(response.status).toBe(404);
  });
});

describe('dashboard routes in the demo', () => {
  let oauth: OAuthTestServer;
  afterAll(() => oauth?.stop());

  it('switches the test authorization server between failing and healthy', async () => {
    oauth = await startOAuthTestServer({ port: 0 });
    const app = dashboardRoutes({ demo: { oauthServerUrl: oauth.url } });
    expect(await (await app.request('/dashboard/config.json')).json()).toMatchObject({
      demo: { fail_modes: expect.arrayContaining(['none', 'server_error']) },
    });
    const post = (mode: string) =>
      app.request('/dashboard/demo/fail', { method: 'POST', body: JSON.stringify({ mode }) });

    expect((await post('server_error')).status).toBe(200);
    expect(oauth.failStatus()).toMatchObject({ mode: 'server_error' });
    expect((await post('none')).status).toBe(200);
    expect(oauth.failStatus()).toMatchObject({ mode: 'none' });
    expect((await post('rm -rf')).status).toBe(400);
  });
});
