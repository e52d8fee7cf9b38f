/**
 * @module The upstream transport's direct path (requests POSTed over node:http, answers parsed
 * from the Node stream) against a scripted Streamable HTTP server: the handshake and the GET event
 * stream off the fetch (a dropped stream is reopened on the SDK transport's schedule), headers and
 * bearer token, SSE answers with messages before the result, gzip, the size bound, an answer cut
 * short, resuming an answer that gave event ids, and a same-origin redirect (left to the SDK
 * transport).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnswerTooLargeError } from '../../../services/oauth/index.js';
import { DirectHttpTransport } from '../../../services/mcp-client/direct-http.js';
import { createUpstreamFetch } from '../../../services/mcp-client/upstream-fetch.js';
import { recordingTransport, testUpstream } from './recording-transport.js';

type Rpc = { id?: number | string; method?: string; params?: { name?: string } };
type Script = (rpc: Rpc, res: ServerResponse, req: IncomingMessage) => void;

let server: Server | undefined;
let client: Client | undefined;
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; rpc?: Rpc }> =
  [];
afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(null));
  server = client = undefined;
  seen.length = 0;
  deleteStatus = 405;
});
/** What the scripted server answers a DELETE. */
let deleteStatus = 405;

const result = (id: Rpc['id'], text: string) =>
  JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
const sse = (res: ServerResponse, body: string) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(body);
};

/**
 * A server that handles initialize itself and answers tools/call by `script`; GET streams go to
 * `events` if given (else 405, or `script` when resuming).
 */
async function start(script: Script, events?: Script): Promise<URL> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const rpc = body ? (JSON.parse(body) as Rpc) : undefined;
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, rpc });
      if (rpc?.method === 'initialize') {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's-1' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: rpc.id,
            result: {
              protocolVersion: '2025-06-18',
              capabilities: { tools: {}, logging: {} },
              serverInfo: { name: 'scripted', version: '1' },
            },
          }),
        );
      } else if (req.method === 'GET' && events) {
        events({}, res, req);
      } else if (req.method === 'POST' && rpc?.id === undefined) {
        res.writeHead(202).end();
      } else if (req.method === 'DELETE') {
        res.writeHead(deleteStatus).end();
      } else if (req.method === 'GET' && !req.headers['last-event-id']) {
        res.writeHead(405).end();
      } else {
        script(rpc ?? {}, res, req);
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/mcp`);
}

async function connect(url: URL, maxBodyBytes = 1024 * 1024, existing?: Client): Promise<Client> {
  const upstream = testUpstream({ maxBodyBytes });
  client = existing ?? new Client({ name: 'test', version: '1' });
  await client.connect(new DirectHttpTransport(url, createUpstreamFetch(upstream), upstream));
  return client;
}

const call = (c: Client, name: string) =>
  c.callTool({ name, arguments: {} }) as Promise<{ content: Array<{ text: string }> }>;

describe('the direct path of the Streamable HTTP transport', () => {
  it('sends initialize and the initialized notification, then opens the GET stream, all off the fetch', async () => {
    const url = await start((rpc, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(result(rpc.id, 'ok'));
    });
    const fetched: string[] = [];
    const upstream = testUpstream({ headers: {} });
    client = new Client({ name: 'test', version: '1' });
    const transport = recordingTransport(url, upstream, fetched);
    await client.connect(transport);
    expect(transport.sessionId).toBe('s-1');
    await vi.waitFor(() => expect(seen.map((s) => s.method)).toContain('GET'));
    expect(seen.map((s) => s.rpc?.method ?? s.method)).toEqual([
      'initialize',
      'notifications/initialized',
      'GET',
    ]);
    for (const later of seen.slice(1)) {
      expect(later.headers).toMatchObject({
        authorization: 'Bearer token-1',
        'mcp-session-id': 's-1',
        'mcp-protocol-version': '2025-06-18',
      });
    }
    expect(seen[2]!.headers.accept).toBe('text/event-stream');
    expect((await call(client, 'work')).content[0]!.text).toBe('ok');
    expect(fetched).toEqual([]);
  });

  it("closes an idle kept-alive socket before the server's Keep-Alive timeout, so a later call never races the server's close", async () => {
    const url = await start((rpc, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(result(rpc.id, 'ok'));
    });
    // Node's server announces `Keep-Alive: timeout=2` and closes an idle socket after 2 s; the
    // client must drop it a second before (after 1 s), not send a call on it as it closes.
    server!.keepAliveTimeout = 2_000;
    const sockets = new WeakMap<object, number>();
    let opened = 0;
    server!.on('connection', (socket) => sockets.set(socket, ++opened));
    const callSockets: number[] = [];
    server!.prependListener('request', (req) => {
      if (req.method === 'POST') callSockets.push(sockets.get(req.socket)!);
    });
    const c = await connect(url);
    expect((await call(c, 'first')).content[0]!.text).toBe('ok');
    const afterFirst = callSockets.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 1_400));
    expect((await call(c, 'second')).content[0]!.text).toBe('ok');
    expect(callSockets.at(-1)).not.toBe(afterFirst);
  });

  it('delivers what the GET stream pushes, and reopens it from the last event id when it ends', async () => {
    const url = await start(
      () => undefined,
      (_rpc, res, req) => {
        if (req.headers['last-event-id']) return sse(res, 'retry: 5000\n\n');
        sse(
          res,
          'retry: 10\nid: g-1\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"pushed"}}\n\n',
        );
      },
    );
    const logged: unknown[] = [];
    client = new Client({ name: 'test', version: '1' });
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void logged.push(n.params.data),
    );
    const c = await connect(url, 1024 * 1024, client);
    expect(c).toBe(client);
    await vi.waitFor(() => expect(seen.filter((s) => s.method === 'GET')).toHaveLength(2));
    expect(logged).toEqual(['pushed']);
    expect(seen.filter((s) => s.method === 'GET').map((s) => s.headers['last-event-id'])).toEqual([
      undefined,
      'g-1',
    ]);
  });

  it('POSTs with the session, config headers and bearer token, and reads an SSE answer with messages before the result', async () => {
    const url = await start((rpc, res) =>
      sse(
        res,
        ': comment\n\n' +
          'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message",\ndata: "params":{"level":"info","data":"working"}}\n\n' +
          `data: ${result(rpc.id, 'done')}\r\n\r\n`,
      ),
    );
    const c = await connect(url);
    const logged: unknown[] = [];
    c.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void logged.push(n.params.data),
    );
    expect((await call(c, 'work')).content[0]!.text).toBe('done');
    expect(logged).toEqual(['working']);
    const post = seen.find((s) => s.rpc?.method === 'tools/call')!;
    expect(post.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'x-team': 'blue',
      'mcp-session-id': 's-1',
      'mcp-protocol-version': '2025-06-18',
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
    });
  });

  it('reads a gzip-encoded JSON answer', async () => {
    const url = await start((rpc, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(result(rpc.id, 'zipped')));
    });
    expect((await call(await connect(url), 'zip')).content[0]!.text).toBe('zipped');
  });

  it('stops reading an answer over the bound and fails the call as too large', async () => {
    const url = await start((rpc, res) =>
      sse(res, `data: ${result(rpc.id, 'x'.repeat(5000))}\n\n`),
    );
    await expect(call(await connect(url, 1000), 'big')).rejects.toBeInstanceOf(AnswerTooLargeError);
  });

  it('fails the call at once when the answer ends before the result', async () => {
    const url = await start((_rpc, res) =>
      sse(
        res,
        'data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}\n\n',
      ),
    );
    await expect(call(await connect(url), 'cut')).rejects.toThrow(
      /ended its answer before the result/,
    );
  });

  it('resumes an answer that gave event ids (GET with Last-Event-ID)', async () => {
    let pending: Rpc['id'];
    const url = await start((rpc, res, req) => {
      if (req.method === 'GET') {
        expect(req.headers['last-event-id']).toBe('e-1');
        return sse(res, `id: e-2\ndata: ${result(pending, 'resumed')}\n\n`);
      }
      pending = rpc.id;
      sse(res, 'id: e-1\ndata:\n\n');
    });
    expect((await call(await connect(url), 'drop')).content[0]!.text).toBe('resumed');
  });

  it('fails the call with the status of an error answer, even one outside 200–599', async () => {
    const url = await start((rpc, res) => {
      res.writeHead(rpc.params?.name === 'odd' ? 999 : 500);
      res.end('upstream broke');
    });
    const c = await connect(url);
    await expect(call(c, 'odd')).rejects.toMatchObject({ code: 999 });
    await expect(call(c, 'plain')).rejects.toThrow(/Error POSTing to endpoint: upstream broke/);
  });

  it('leaves a same-origin redirect to the SDK transport', async () => {
    const url = await start((rpc, res, req) => {
      if (req.url === '/mcp') {
        res.writeHead(307, { location: '/moved' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(result(rpc.id, 'moved'));
    });
    expect((await call(await connect(url), 'redirected')).content[0]!.text).toBe('moved');
    expect(seen.filter((s) => s.rpc?.method === 'tools/call').map((s) => s.url)).toEqual([
      '/mcp',
      '/mcp',
      '/moved',
    ]);
  });

  it('ends the session with a DELETE off the fetch; 405 is no error, a failure is reported', async () => {
    const url = await start((rpc, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(result(rpc.id, 'ok'));
    });
    const fetched: string[] = [];
    const auth: unknown[] = [];
    const upstream = testUpstream({ onAuthAnswer: (answer) => void auth.push(answer) });
    const errors: Error[] = [];
    const session = async () => {
      client = new Client({ name: 'test', version: '1' });
      const transport = recordingTransport(url, upstream, fetched);
      await client.connect(transport);
      transport.onerror = (error) => void errors.push(error);
      return transport;
    };

    for (const status of [200, 405]) {
      deleteStatus = status;
      const transport = await session();
      await transport.terminateSession();
      expect(transport.sessionId).toBeUndefined();
      await client!.close();
    }
    const deletes = seen.filter((s) => s.method === 'DELETE');
    expect(deletes).toHaveLength(2);
    expect(deletes[0]!.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'mcp-session-id': 's-1',
      'mcp-protocol-version': '2025-06-18',
      'x-team': 'blue',
    });
    expect(errors).toEqual([]);

    deleteStatus = 401;
    const refused = await session();
    await expect(refused.terminateSession()).rejects.toMatchObject({ code: 401 });
    expect(refused.sessionId).toBe('s-1');
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('terminate session')]);
    expect(auth).toEqual([expect.objectContaining({ status: 401, token: 'token-1' })]);
    expect(fetched).toEqual([]);
  });
});
