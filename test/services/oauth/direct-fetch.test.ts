/**
 * The OAuth recorder's direct path (services/oauth/direct-fetch.ts): the SDK's requests go over
 * node:http, not fetch, and come back as fetch would have answered them — headers, bodies,
 * redirects left to the SDK, encodings, keep-alive, and a stale kept-alive socket.
 */
import { gzipSync } from 'node:zlib';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  refreshAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { classifyOAuthFailure } from '../../../services/oauth/classify.js';
import { createOAuthHttp } from '../../../services/oauth/oauth-http.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { answer, startTinyServer } from './tiny-server.js';
import type { TinyServer } from './tiny-server.js';

let server: TinyServer;
beforeAll(async () => {
  server = await startTinyServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const TOKENS = { access_token: 'at-1', token_type: 'Bearer', expires_in: 60 };

function metadata(base: string) {
  return {
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    response_types_supported: ['code'],
  };
}

/** Runs one refresh grant against the tiny server through the recorder. */
function refresh(http = createOAuthHttp({ logger: silentLogger })) {
  return refreshAuthorization(server.url, {
    clientInformation: { client_id: 'client-1' },
    refreshToken: 'rt-1',
    fetchFn: http.fetchFor('Token endpoint'),
  });
}

describe('the OAuth recorder without an injected fetch', () => {
  it('sends the SDK’s discovery GET over node:http with its headers and answers its JSON', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const seen: Record<string, string | string[] | undefined>[] = [];
    server.handle((req, res) => {
      seen.push(req.headers);
      answer(200, { resource: `${server.url}/mcp`, authorization_servers: [server.url] })(req, res);
    });
    const http = createOAuthHttp({ logger: silentLogger });

    const prm = await discoverOAuthProtectedResourceMetadata(
      `${server.url}/mcp`,
      undefined,
      http.fetchFor('Protected-resource metadata'),
    );

    expect(prm.authorization_servers).toEqual([server.url]);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(seen[0]).toMatchObject({ 'mcp-protocol-version': expect.any(String), accept: '*/*' });
    expect(http.last()).toMatchObject({ status: 200, json: { resource: `${server.url}/mcp` } });
    expect(http.last()?.headers?.get('content-type')).toBe('application/json');
  });

  it('POSTs the token request as a form with its length, and the SDK reads the tokens', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    let request: { headers: Record<string, unknown>; body: string } | undefined;
    server.handle((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        request = { headers: req.headers, body };
        answer(200, TOKENS)(req, res);
      });
    });

    const tokens = await refresh();

    expect(tokens.access_token).toBe('at-1');
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(request?.headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'content-length': String(Buffer.byteLength(request!.body)),
    });
    expect(new URLSearchParams(request!.body).get('grant_type')).toBe('refresh_token');
  });

  it('hands a redirect back unfollowed, so the SDK follows it within the origin only', async () => {
    const paths: string[] = [];
    server.handle((req, res) => {
      paths.push(req.url!);
      if (req.url === '/.well-known/oauth-authorization-server') {
        res.writeHead(302, { location: '/moved/metadata' }).end();
      } else if (req.url === '/moved/metadata') answer(200, metadata(server.url))(req, res);
      else res.writeHead(404).end();
    });
    const http = createOAuthHttp({ logger: silentLogger });

    const found = await discoverAuthorizationServerMetadata(server.url, {
      fetchFn: http.fetchFor('Authorization-server metadata'),
    });

    expect(found?.token_endpoint).toBe(`${server.url}/token`);
    expect(paths).toEqual(['/.well-known/oauth-authorization-server', '/moved/metadata']);
  });

  it('leaves a request that asks fetch to follow redirects to fetch', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    server.handle((req, res) => {
      if (req.url === '/start') res.writeHead(307, { location: '/end' }).end();
      else answer(200, { ok: true })(req, res);
    });
    const http = createOAuthHttp({ logger: silentLogger });

    const response = await http.fetchFor('The MCP server')(`${server.url}/start`);

    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('undoes a gzip Content-Encoding as fetch does', async () => {
    server.handle((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
        .end(gzipSync(JSON.stringify(TOKENS)));
    });

    const tokens = await refresh();

    expect(tokens.access_token).toBe('at-1');
  });

  it('keeps the connection alive between requests', async () => {
    const sockets = new Set<Socket>();
    server.handle((req, res) => {
      sockets.add(req.socket);
      answer(200, TOKENS)(req, res);
    });

    await refresh();
    await refresh();

    expect(sockets.size).toBe(1);
  });

  it('sends a GET again on a new socket when the kept-alive one was closed under it', async () => {
    const answered = new Set<Socket>();
    const calls: string[] = [];
    server.handle((req, res) => {
      calls.push(`${req.method} ${req.headers['mcp-protocol-version'] ? 'with' : 'without'}`);
      // A socket's second request finds it closed, as when the server's idle timeout fires.
      if (answered.has(req.socket)) return req.socket.destroy();
      answered.add(req.socket);
      answer(200, metadata(server.url))(req, res);
    });
    const http = createOAuthHttp({ logger: silentLogger });
    const fetchFn = http.fetchFor('Authorization-server metadata');

    await discoverAuthorizationServerMetadata(server.url, { fetchFn });
    const again = await discoverAuthorizationServerMetadata(server.url, { fetchFn });

    expect(again?.issuer).toBe(server.url);
    // The same request again (the SDK's own retry after a failure drops its headers).
    expect(calls).toEqual(['GET with', 'GET with', 'GET with']);
  });

  it('does not send a token request twice: a reset is a network failure', async () => {
    const answered = new Set<Socket>();
    let posts = 0;
    server.handle((req, res) => {
      posts += 1;
      if (answered.has(req.socket)) return req.socket.destroy();
      answered.add(req.socket);
      answer(200, TOKENS)(req, res);
    });
    const http = createOAuthHttp({ logger: silentLogger });
    await refresh(http);

    const error = await refresh(http).catch((e: unknown) => e);

    expect(posts).toBe(2);
    const failure = classifyOAuthFailure(error, http.last());
    expect(failure.result).toBe('failed_network');
    expect(failure.message).toBe(
      `Token endpoint could not be reached: connection reset (127.0.0.1:${server.port}).`,
    );
  });

  it('a cancelled flow rejects with the caller’s reason and is classified as cancelled', async () => {
    const controller = new AbortController();
    // The flow is cancelled while its request waits for an answer.
    server.handle(() => controller.abort());
    const http = createOAuthHttp({ logger: silentLogger, signal: controller.signal });

    const error = await refresh(http).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AbortError' });
    expect(classifyOAuthFailure(error, http.last()).message).toBe(
      'Token endpoint request was cancelled.',
    );
  });
});
