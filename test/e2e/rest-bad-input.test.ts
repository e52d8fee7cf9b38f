/**
 * Issue 4, bad input against a running daemon's REST API and MCP endpoint: malformed JSON,
 * unknown fields and servers, invalid names, huge bodies (declared and streamed). Each gets the
 * one error shape with a sentence and the right status; nothing changes and the daemon stays up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { authorizeCount } from './support/as-log.js';
import { getJson, post, postDeclaringSize, serverView, waitForState } from './support/rest.js';
import { e2eWorld, oauthConfig } from './support/world.js';

const STACK = /\bat [\w.<>]+ \(|node:internal|\.ts:\d+/;

/** Sends a body as a stream without Content-Length (chunked), as a streaming client would. */
async function postStreamed(url: string, chunks: number, chunkBytes: number): Promise<Response> {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ >= chunks) controller.close();
      else controller.enqueue(new Uint8Array(chunkBytes).fill(0x61));
    },
  });
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);
}

describe('bad REST and MCP input against a running daemon', { timeout: 150_000 }, () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('answers each bad request with a 4xx error object and a sentence, changes nothing, and keeps serving', async () => {
    const as = await world.authServer();
    const proxy = await world.proxy({
      config: oauthConfig([['oauth', as]]),
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    await waitForState(proxy.url, 'oauth', 'loginRequired');
    const login = '/api/v1/servers/oauth/login';

    const cases: Array<[string, Promise<{ status: number; json: any }>, number, string, RegExp]> = [
      [
        'malformed JSON',
        post(proxy.url, login, '{"force": tru'),
        400,
        'bad_request',
        /^Request body is not valid JSON: /,
      ],
      [
        'a JSON array',
        post(proxy.url, login, '[true]'),
        400,
        'bad_request',
        /^Request body must be a JSON object\.$/,
      ],
      [
        'an unknown field',
        post(proxy.url, login, '{"forse": true}'),
        400,
        'bad_request',
        /^Unknown field "forse" in the request body \(accepted: force\)\.$/,
      ],
      [
        'a wrong type',
        post(proxy.url, login, '{"force": "yes"}'),
        400,
        'bad_request',
        /^Field "force" must be true or false\.$/,
      ],
      [
        'a bad query flag',
        post(proxy.url, `${login}?force=maybe`),
        400,
        'bad_request',
        /^Query parameter "force" must be true or false\.$/,
      ],
      [
        'a body on logout',
        post(proxy.url, '/api/v1/servers/oauth/logout', '{"all": true}'),
        400,
        'bad_request',
        /^Unknown field "all"/,
      ],
      [
        'an unknown server',
        post(proxy.url, '/api/v1/servers/nosuch/login'),
        404,
        'not_found',
        /^No server named "nosuch" is configured\.$/,
      ],
      [
        'an invalid name',
        post(proxy.url, '/api/v1/servers/bad%20name/restart'),
        400,
        'bad_request',
        /^Invalid server name/,
      ],
      [
        'a name over 64 characters',
        post(proxy.url, `/api/v1/servers/${'x'.repeat(65)}/restart`),
        400,
        'bad_request',
        /^Invalid server name/,
      ],
      ['an unknown route', post(proxy.url, '/api/v1/nothing'), 404, 'not_found', /./],
      [
        'a declared 1 MiB body',
        postDeclaringSize(`${proxy.url}${login}`, 1 << 20),
        413,
        'payload_too_large',
        /./,
      ],
    ];
    for (const [what, answer, status, code, message] of cases) {
      const { status: got, json } = await answer;
      expect(got, what).toBe(status);
      expect(json, what).toEqual({ error: { code, message: expect.stringMatching(message) } });
      expect(JSON.stringify(json), what).not.toMatch(STACK);
    }
    const unknownGet = await fetch(`${proxy.url}/api/v1/servers/nosuch`);
    expect(unknownGet.status).toBe(404);
    expect(await unknownGet.json()).toEqual({
      error: { code: 'not_found', message: 'No server named "nosuch" is configured.' },
    });

    // Streamed without Content-Length: counted while reading, refused the same way.
    const streamed = await postStreamed(`${proxy.url}${login}`, 80, 1024);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe(
      'payload_too_large',
    );

    // The MCP endpoint: malformed JSON-RPC is a JSON-RPC parse error; a body over its 4 MiB limit is a 413.
    const mcpHeaders = { Accept: 'application/json, text/event-stream' };
    const garbage = await post(proxy.url, '/mcp', '{"jsonrpc": "2.0", "method": ', mcpHeaders);
    expect(garbage.status).toBe(400);
    expect(garbage.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    const hugeMcp = await postDeclaringSize(`${proxy.url}/mcp`, 5 << 20, mcpHeaders);
    expect(hugeMcp.status).toBe(413);

    // Nothing happened: no flow started, no login at the AS; the daemon still serves.
    expect(await serverView(proxy.url, 'oauth')).toMatchObject({
      state: 'loginRequired',
      oauth: { correlation_id: null },
    });
    expect(authorizeCount(as)).toBe(0);
    expect(await getJson(proxy.url, '/healthz')).toEqual({ status: 'ok' });
    expect(proxy.output()).not.toMatch(/"level":50/);
  });
});
