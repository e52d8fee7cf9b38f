/**
 * The answer the SDK gets for a 2xx answer on the direct path (services/oauth/read-answer.ts) is
 * not a `Response`, yet reads as the `Response` it got before: each answer below is fetched once
 * through the recorder's direct path and once through an injected `fetch` (which still hands the
 * SDK a real `Response`), from a real loopback server, and both must read the same.
 */
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  exchangeAuthorization,
  refreshAuthorization,
  registerClient,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { InvalidGrantError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { classifyOAuthFailure } from '../../../services/oauth/classify.js';
import { createOAuthHttp, type OAuthHttp } from '../../../services/oauth/oauth-http.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { tokenResponseOf } from '../../../services/oauth/token-response.js';
import { startTinyServer, type TinyServer } from './tiny-server.js';

let server: TinyServer;
beforeAll(async () => {
  server = await startTinyServer();
});
afterAll(async () => {
  await server.stop();
});

/** The recorder as mcpproxy runs it (direct path), and one whose answers are real Responses. */
function recorders(): { direct: OAuthHttp; reference: OAuthHttp } {
  return {
    direct: createOAuthHttp({ logger: silentLogger }),
    reference: createOAuthHttp({
      logger: silentLogger,
      fetchImpl: (url, init) => fetch(url, init),
    }),
  };
}

/** Answers `status` with `body` and `headers` as given (names as written, no Date header). */
function raw(status: number, body: string | Buffer, headers: [string, string][] = []) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.sendDate = false;
    res.writeHead(status, headers.flat()).end(body);
  };
}

const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

/** An outcome of a promise, comparable across realms of error classes. */
function settled(promise: Promise<unknown>) {
  return promise.then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.constructor.name, message: error.message }),
  );
}

/** Everything the SDK or mcpproxy may read of an answer, read as `how` says. */
async function readAll(answer: Response, how: 'json' | 'text' | 'body then json' | 'cancel') {
  const head = {
    ok: answer.ok,
    status: answer.status,
    statusText: answer.statusText,
    url: answer.url,
    redirected: answer.redirected,
    type: answer.type,
    bodyUsed: answer.bodyUsed,
    entries: [...answer.headers],
    entriesMethod: [...answer.headers.entries()],
    keys: [...answer.headers.keys()],
    forEach: [] as string[],
    contentType: answer.headers.get('CONTENT-type'),
    cookie: answer.headers.get('Set-Cookie'),
    repeated: answer.headers.get('x-Repeated'),
    absent: answer.headers.get('www-authenticate'),
    has: [answer.headers.has('x-repeated'), answer.headers.has('Location')],
    badName: await settled(Promise.resolve().then(() => answer.headers.get('bad name'))),
  };
  answer.headers.forEach((value, name) => head.forEach.push(`${name}=${value}`));
  let first;
  if (how === 'json') first = await settled(answer.json());
  else if (how === 'text') first = await settled(answer.text());
  else if (how === 'body then json') {
    const stream = answer.body;
    first = { locked: stream?.locked, read: await settled(answer.json()), after: stream?.locked };
  } else first = await settled(answer.body?.cancel() ?? Promise.resolve('no body'));
  const usedAfter = answer.bodyUsed;
  const second = await settled(answer.text());
  // Only now: a first look at `body` must not change how the reads above go.
  const body = { present: answer.body !== null, locked: answer.body?.locked };
  return { head, first, usedAfter, second, body };
}

const ANSWERS: [string, ReturnType<typeof raw>][] = [
  [
    'a 200 token answer with extra fields',
    raw(200, JSON.stringify({ access_token: 'a', token_type: 'Bearer', extra: { n: 1 } }), [
      JSON_TYPE,
    ]),
  ],
  ['a 200 with malformed JSON', raw(200, '<html>oops</html>', [['Content-Type', 'text/html']])],
  ['a 200 with an empty body', raw(200, '', [JSON_TYPE])],
  [
    'a 200 with a UTF-8 BOM and a malformed byte',
    raw(200, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0x22, 0xff]), Buffer.from(' é"')])),
  ],
  [
    'a 201 with repeated headers, cookies and odd case',
    raw(201, '{"client_id":"c"}', [
      ['CONTENT-TYPE', 'application/json'],
      ['X-Repeated', 'one'],
      ['set-cookie', 'a=1'],
      ['x-repeated', ' two '],
      ['Set-Cookie', 'b=2'],
      ['A-First', 'x'],
    ]),
  ],
  ['a 204 without content', raw(204, '', [['X-Repeated', 'z']])],
  [
    'a gzip-encoded 200',
    raw(200, gzipSync('{"issuer":"x"}'), [JSON_TYPE, ['Content-Encoding', 'gzip']]),
  ],
];

describe('a 2xx answer of the direct path', () => {
  describe.each(ANSWERS)('%s', (_name, handler) => {
    it.each(['json', 'text', 'body then json', 'cancel'] as const)(
      'reads as the Response did: %s',
      async (how) => {
        server.handle(handler);
        const { direct, reference } = recorders();
        const init = { redirect: 'manual' } as const;

        const answer = await direct.fetchFor('Token endpoint')(`${server.url}/x`, init);
        const expected = await reference.fetchFor('Token endpoint')(`${server.url}/x`, init);

        expect(answer).not.toBeInstanceOf(Response);
        expect(await readAll(answer, how)).toEqual(await readAll(expected, how));
      },
    );
  });

  it('is a Response again for an error status, which the SDK reads only from a Response', async () => {
    server.handle(raw(400, '{"error":"invalid_grant"}', [JSON_TYPE]));
    const { direct } = recorders();

    const answer = await direct.fetchFor('Token endpoint')(`${server.url}/token`, {
      method: 'POST',
      redirect: 'manual',
    });

    expect(answer).toBeInstanceOf(Response);
  });
});

describe('the SDK’s token request answered on the direct path', () => {
  /** One refresh through `http`: the tokens, or what it threw and how it is classified. */
  async function refreshThrough(http: OAuthHttp) {
    const tokens = await refreshAuthorization(server.url, {
      clientInformation: { client_id: 'client-1' },
      refreshToken: 'rt-1',
      fetchFn: http.fetchFor('Token endpoint'),
    }).catch((error: unknown) => {
      const failure = classifyOAuthFailure(error, http.last(), Date.parse('2030-01-01T00:00:00Z'));
      return { error, failure: { ...failure, message: failure.message } };
    });
    return { tokens, exchange: http.last() };
  }

  /** The refresh on both paths; they must come out the same. */
  async function refreshBoth(handler: ReturnType<typeof raw>) {
    server.handle(handler);
    const { direct, reference } = recorders();
    const got = await refreshThrough(direct);
    const expected = await refreshThrough(reference);
    const comparable = (r: typeof got) => ({
      ...r,
      exchange: { ...r.exchange, headers: [...(r.exchange?.headers ?? [])], receivedAt: null },
    });
    expect(comparable(got)).toEqual(comparable(expected));
    return got;
  }

  it('a token answer with malformed JSON fails with the SyntaxError, classified as malformed', async () => {
    const { tokens } = await refreshBoth(raw(200, '{"access_token":', [JSON_TYPE]));

    expect(tokens).toMatchObject({
      error: expect.any(SyntaxError),
      failure: {
        result: 'failed_other',
        message: 'Token endpoint answered HTTP 200 with malformed JSON.',
      },
    });
  });

  it('an empty 200 fails as malformed JSON too', async () => {
    const { tokens } = await refreshBoth(raw(200, '', [JSON_TYPE]));

    expect(tokens).toMatchObject({
      error: expect.objectContaining({ message: 'Unexpected end of JSON input' }),
      failure: { message: 'Token endpoint answered HTTP 200 with malformed JSON.' },
    });
  });

  it('a 400 with an OAuth error body is the SDK’s InvalidGrantError, a dead grant', async () => {
    const { tokens } = await refreshBoth(
      raw(400, '{"error":"invalid_grant","error_description":"revoked"}', [JSON_TYPE]),
    );

    expect(tokens).toMatchObject({
      error: expect.any(InvalidGrantError),
      failure: {
        result: 'failed_invalid_grant',
        message: 'Token endpoint rejected the grant: invalid_grant (revoked).',
      },
    });
  });

  it('a 200 with extra fields gives the tokens, and the record keeps the extra fields', async () => {
    const body = {
      access_token: 'at-2',
      token_type: 'Bearer',
      expires_in: 60,
      refresh_token: 'rt-2',
      refresh_token_expires_in: 3600,
    };
    const { tokens, exchange } = await refreshBoth(raw(200, JSON.stringify(body), [JSON_TYPE]));

    expect(tokens).toMatchObject({ access_token: 'at-2', refresh_token: 'rt-2' });
    expect(tokenResponseOf(tokens as never, exchange?.json, server.url)).toMatchObject({
      refresh_token_expires_in: 3600,
      issuer: server.url,
    });
  });

  it('finds a header whatever its case, on a 2xx answer and on a 503', async () => {
    const ok = await refreshBoth(
      raw(200, JSON.stringify({ access_token: 'a', token_type: 'Bearer' }), [
        ['CONTENT-TYPE', 'application/json'],
      ]),
    );
    const busy = await refreshBoth(raw(503, 'busy', [['retry-AFTER', '120']]));

    expect(ok.exchange?.headers?.get('Content-Type')).toBe('application/json');
    expect(busy.exchange?.headers?.get('Retry-After')).toBe('120');
    expect(busy.tokens).toMatchObject({
      failure: { result: 'failed_server_error', retryAfterMs: 120_000 },
    });
  });
});

describe('the SDK’s OAuth functions', () => {
  const base = () => server.url;
  const metadata = () => ({
    issuer: base(),
    authorization_endpoint: `${base()}/authorize`,
    token_endpoint: `${base()}/token`,
    registration_endpoint: `${base()}/register`,
    response_types_supported: ['code'],
  });
  const routes = (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/oauth-protected-resource/mcp') {
      return json(200, { resource: `${base()}/mcp`, authorization_servers: [base()] });
    }
    if (req.url === '/.well-known/oauth-authorization-server') return json(200, metadata());
    if (req.url === '/register') {
      return json(201, { client_id: 'c-1', redirect_uris: ['http://127.0.0.1:1/cb'] });
    }
    if (req.url === '/token') return json(200, { access_token: 'at', token_type: 'Bearer' });
    res.writeHead(404).end();
  };

  /**
   * A fetch that hands on the recorder's answers behind a proxy noting every member of a
   * `Response` (or of its `Headers`) the SDK reads and the answer lacks.
   */
  function watching(fetchFn: FetchLike, missing: Set<string>): FetchLike {
    const watch = <T extends object>(target: T, prototype: object, prefix: string): T =>
      new Proxy(target, {
        get(object, key) {
          if (typeof key === 'string' && key in prototype && !(key in object)) {
            missing.add(`${prefix}${key}`);
          }
          const value: unknown = Reflect.get(object, key, object);
          if (key === 'headers' && value !== null && typeof value === 'object') {
            return watch(value, Headers.prototype, 'headers.');
          }
          return typeof value === 'function' ? value.bind(object) : value;
        },
      });
    return async (url, init) => watch(await fetchFn(url, init), Response.prototype, '');
  }

  it('read only members the direct answer has, and get what they got from a Response', async () => {
    server.handle(routes);
    const run = async (http: OAuthHttp, missing: Set<string>) => {
      const fetchFn = watching(http.fetchFor('OAuth'), missing);
      const prm = await discoverOAuthProtectedResourceMetadata(`${base()}/mcp`, {}, fetchFn);
      const as = await discoverAuthorizationServerMetadata(base(), { fetchFn });
      const client = await registerClient(base(), {
        metadata: as,
        clientMetadata: { redirect_uris: ['http://127.0.0.1:1/cb'] },
        fetchFn,
      });
      const exchanged = await exchangeAuthorization(base(), {
        metadata: as,
        clientInformation: client,
        authorizationCode: 'code',
        codeVerifier: 'verifier',
        redirectUri: 'http://127.0.0.1:1/cb',
        fetchFn,
      });
      const refreshed = await refreshAuthorization(base(), {
        metadata: as,
        clientInformation: client,
        refreshToken: 'rt',
        fetchFn,
      });
      return { prm, as, client, exchanged, refreshed };
    };
    const { direct, reference } = recorders();
    const missing = new Set<string>();

    const got = await run(direct, missing);

    expect([...missing]).toEqual([]);
    expect(got).toEqual(await run(reference, new Set()));
  });
});
