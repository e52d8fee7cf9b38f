/**
 * @module A malicious or misconfigured authorization server (SPEC §3, RFC 8414 §3.3, the MCP
 * authorization spec's HTTPS rule): metadata whose issuer is not the server it was fetched from,
 * endpoints on plain HTTP off the machine, an AS URL on plain HTTP, a resource for another
 * server, a 50 MB metadata document, a registration that names foreign redirect URIs. Each login is refused with a clear
 * error naming the problem (no request goes to the foreign endpoint), and the daemon stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { serverView, waitForView } from '../faults/support/daemon-api.js';
import { startHostileAs, type HostileAs, type HostileAsOptions } from './support/hostile-as.js';
import { STARTUP_MS } from '../faults/support/daemon-api.js';

const VARIANTS: Record<string, HostileAsOptions> = {
  issuer: { metadata: { issuer: 'https://login.example.test' } },
  token: { metadata: { token_endpoint: 'http://evil.example.test/token' } },
  authorize: { metadata: { authorization_endpoint: 'http://evil.example.test/authorize' } },
  register: { metadata: { registration_endpoint: 'http://evil.example.test/register' } },
  asurl: { resourceMetadata: { authorization_servers: ['http://as.example.test'] } },
  resource: { resourceMetadata: { resource: 'https://other.example.test/mcp' } },
  redirect: { registration: { redirect_uris: ['http://evil.example.test/callback'] } },
  huge: { metadata: { service_documentation_pad: 'x'.repeat(50 * 1024 * 1024) } },
};

const hostile = new Map<string, HostileAs>();
let proxy: ProxyProcess;

beforeAll(async () => {
  for (const [name, options] of Object.entries(VARIANTS))
    hostile.set(name, await startHostileAs(options));
  const mcpServers = Object.fromEntries(
    [...hostile].map(([name, as]) => [name, { url: as.mcpUrl, protocol: 'http', oauth: {} }]),
  );
  proxy = await startProxy({ timeoutMs: STARTUP_MS, config: { mcpServers }, logLevel: 'info' });
  await Promise.all(
    [...hostile.keys()].map((n) => waitForView(proxy.url, n, (v) => v.state === 'loginRequired')),
  );
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([...hostile.values()].map((as) => as.stop()));
});

async function login(name: string) {
  const res = await fetch(`${proxy.url}/api/v1/servers/${name}/login`, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as any };
}

describe('hostile authorization-server metadata', () => {
  it.each([
    ['issuer', /issuer https:\/\/login\.example\.test.*not the authorization server/i],
    ['token', /token_endpoint http:\/\/evil\.example\.test\/token.*HTTPS/i],
    ['authorize', /authorization_endpoint http:\/\/evil\.example\.test\/authorize.*HTTPS/i],
    ['register', /registration_endpoint http:\/\/evil\.example\.test\/register.*HTTPS/i],
    ['asurl', /authorization server http:\/\/as\.example\.test.*HTTPS/i],
    ['resource', /names the resource https:\/\/other\.example\.test\/mcp/],
    ['huge', /metadata answered with more than 1 MB; no OAuth answer is that large/],
  ])(
    '%s: the login is refused with a clear error, the server parks with oauth_status error',
    async (name, message) => {
      const { status, body } = await login(name);
      expect(status).toBe(502);
      expect(body.error.code).toBe('login_failed');
      expect(body.error.message).toMatch(message);
      const view = await waitForView(proxy.url, name, (v) => v.state === 'loginRequired');
      expect(view.oauth_status).toBe('error');
      expect(view.health).toMatchObject({ level: 'unhealthy', action: 'login' });
      expect(view.health.detail).toMatch(message);
      // Nothing was registered or redeemed at the hostile server after the refusal.
      expect(hostile.get(name)!.requests.filter((r) => /register|token/.test(r))).toEqual([]);
    },
  );

  it('a registration answer naming foreign redirect URIs does not change the loopback redirect URI', async () => {
    const { status, body } = await login('redirect');
    expect(status).toBe(200);
    const redirect = new URL(body.auth_url).searchParams.get('redirect_uri')!;
    expect(redirect).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
  });

  it('the daemon stayed up', async () => {
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    expect((await serverView(proxy.url, 'issuer')).name).toBe('issuer');
  });
});
