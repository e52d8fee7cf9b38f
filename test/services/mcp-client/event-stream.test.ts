/**
 * @module The GET event stream of the direct Streamable HTTP transport (event-stream.ts, opened by
 * direct-http.ts) on real loopback servers: a real SDK server's notifications and its replay after
 * it closed the stream (Last-Event-ID), and a scripted one for 405, 401, gzip, a broken stream,
 * the SDK's retry limit, a resumed answer, and close() — every GET over node:http, none by fetch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  StreamableHTTPServerTransport,
  type EventStore,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  LoggingMessageNotificationSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthAnswer } from '../../../services/mcp-client/upstream-fetch.js';
import { recordingTransport, testUpstream } from './recording-transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** What a server saw of one request; `closed` settles when its connection side closes. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rpc?: { id?: number; method?: string };
  closed: Promise<void>;
}

let server: Server | undefined;
let client: Client | undefined;
const seen: Seen[] = [];
afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(null));
  server = client = undefined;
  seen.length = 0;
});

async function listen(handler: Handler): Promise<URL> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const closed = new Promise<void>((resolve) => res.once('close', resolve));
      const rpc = body ? (JSON.parse(body) as Seen['rpc']) : undefined;
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, rpc, closed });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/mcp`);
}

/**
 * The events a server sent, in order, for replay after a Last-Event-ID (the SDK example's store
 * cannot find the stream of an id of its standalone stream `_GET_stream`).
 */
function eventStore(): EventStore {
  const events: Array<{ id: string; stream: string; message: JSONRPCMessage }> = [];
  return {
    storeEvent: async (stream, message) => {
      const id = `${stream}#${events.length}`;
      events.push({ id, stream, message });
      return id;
    },
    replayEventsAfter: async (lastEventId, { send }) => {
      const last = events.findIndex((e) => e.id === lastEventId);
      const stream = events[last]?.stream ?? '';
      for (const e of events.slice(last + 1)) if (e.stream === stream) await send(e.id, e.message);
      return stream;
    },
  };
}

/** A real SDK server (stateful, resumable through an event store) with logging. */
async function sdkServer(): Promise<{
  url: URL;
  mcp: McpServer;
  http: StreamableHTTPServerTransport;
}> {
  const mcp = new McpServer({ name: 'real', version: '1' }, { capabilities: { logging: {} } });
  const http = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    eventStore: eventStore(),
  });
  await mcp.connect(http);
  const url = await listen((req, res, body) => {
    void http.handleRequest(req, res, body ? JSON.parse(body) : undefined);
  });
  return { url, mcp, http };
}

/** A scripted server: initialize, 202 for notifications, `events` for GET, `calls` for requests. */
function scripted(events: Handler, calls: Handler = (_req, res) => res.writeHead(500).end()) {
  return listen((req, res, body) => {
    const rpc = body ? (JSON.parse(body) as { id?: number; method?: string }) : {};
    if (rpc.method === 'initialize') {
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's-1' });
      const info = { name: 'scripted', version: '1' };
      const result = { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: info };
      res.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result }));
    } else if (req.method === 'POST' && rpc.id === undefined) res.writeHead(202).end();
    else if (req.method === 'GET') events(req, res, body);
    else if (req.method === 'DELETE') res.writeHead(405).end();
    else calls(req, res, body);
  });
}

const sse = (res: ServerResponse, text: string, end = true) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (end) res.end(text);
  else res.write(text);
};
const logEvent = (data: string, id?: string) =>
  `${id ? `id: ${id}\n` : ''}data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"${data}"}}\n\n`;
const gets = () => seen.filter((s) => s.method === 'GET');

/** Connects a client whose transport counts what goes through the fetch; records what it gets. */
async function open(url: URL) {
  const fetched: string[] = [];
  const errors: Error[] = [];
  const logged: unknown[] = [];
  const auth: AuthAnswer[] = [];
  const upstream = testUpstream({ onAuthAnswer: (answer) => void auth.push(answer) });
  const transport = recordingTransport(url, upstream, fetched);
  client = new Client({ name: 'test', version: '1' });
  client.onerror = (error) => void errors.push(error);
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logged.push(n.params.data);
  });
  await client.connect(transport);
  return { client, fetched, errors, logged, auth };
}

describe('the GET event stream of the direct transport', () => {
  it("delivers a real SDK server's notifications, and after the server closes the stream reopens it from Last-Event-ID and gets what was sent meanwhile, all off the fetch", async () => {
    const { url, mcp, http } = await sdkServer();
    const { fetched, errors, logged } = await open(url);
    await vi.waitFor(() => expect(gets()).toHaveLength(1));
    await mcp.server.sendLoggingMessage({ level: 'info', data: 'one' });
    await vi.waitFor(() => expect(logged).toEqual(['one']));

    http.closeStandaloneSSEStream();
    await gets()[0]!.closed;
    await mcp.server.sendLoggingMessage({ level: 'info', data: 'two' }); // stored for replay

    // No retry field from this server: the SDK transport's first delay (1 s) applies.
    await vi.waitFor(() => expect(logged).toEqual(['one', 'two']), { timeout: 5_000 });
    const [first, second] = gets();
    expect(first!.headers['last-event-id']).toBeUndefined();
    expect(second!.headers['last-event-id']).toMatch(/^_GET_stream#\d+$/);
    expect(second!.headers).toMatchObject({
      accept: 'text/event-stream',
      authorization: 'Bearer token-1',
      'x-team': 'blue',
      'mcp-session-id': first!.headers['mcp-session-id'],
    });
    expect(fetched).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a 405 GET means no stream: no error, no second GET', async () => {
    const url = await scripted((_req, res) => res.writeHead(405).end());
    const { errors } = await open(url);
    await vi.waitFor(() => expect(gets()).toHaveLength(1));
    await gets()[0]!.closed;
    await sleep(100);
    expect(gets()).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('a 401 on the GET is reported to the actor as a POST 401 is, and fails with its status', async () => {
    const challenge =
      'Bearer error="invalid_token", resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource"';
    const refuse = (_req: IncomingMessage, res: ServerResponse) =>
      res.writeHead(401, { 'www-authenticate': challenge }).end();
    const url = await scripted(refuse, refuse);
    const { client: c, errors, auth, fetched } = await open(url);
    await vi.waitFor(() => expect(auth).toHaveLength(1));
    await expect(c.callTool({ name: 'x', arguments: {} })).rejects.toMatchObject({ code: 401 });
    expect(auth[0]).toEqual({
      status: 401,
      token: 'token-1',
      error: 'invalid_token',
      scopes: [],
      resourceMetadata: true,
    });
    expect(auth[1]).toEqual(auth[0]);
    expect(errors[0]).toBeInstanceOf(StreamableHTTPError);
    expect(errors[0]).toMatchObject({ code: 401 });
    expect(fetched).toEqual([]);
  });

  it('reads a gzip-encoded stream, and when it breaks reports it and reopens from its last event id with the retry the server gave', async () => {
    const url = await scripted((req, res) => {
      const from = req.headers['last-event-id'];
      if (from === 'g-2') return res.writeHead(405).end(); // no more to give: end the test
      if (from) return sse(res, logEvent('after', 'g-2'));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.write(gzipSync(`retry: 10\n${logEvent('zipped', 'g-1')}`));
      setTimeout(() => res.destroy(), 20); // a broken gzip stream, not an ended one
    });
    const { logged, errors, fetched } = await open(url);
    await vi.waitFor(() => expect(logged).toEqual(['zipped', 'after']));
    expect(gets()[0]!.headers['accept-encoding']).toBe('gzip, deflate');
    await vi.waitFor(() => expect(gets()).toHaveLength(3));
    expect(gets().map((g) => g.headers['last-event-id'])).toEqual([undefined, 'g-1', 'g-2']);
    expect(errors.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^SSE stream disconnected/),
    );
    expect(fetched).toEqual([]);
  });

  it("gives up on the SDK transport's schedule when reopening keeps failing", async () => {
    const url = await scripted((req, res) => {
      if (req.headers['last-event-id']) return res.writeHead(500).end();
      sse(res, `retry: 10\n${logEvent('once', 'e-1')}`);
    });
    const { errors, fetched } = await open(url);
    await vi.waitFor(() =>
      expect(errors.map((e) => e.message)).toContain('Maximum reconnection attempts (2) exceeded.'),
    );
    expect(gets().map((g) => g.headers['last-event-id'])).toEqual([undefined, 'e-1', 'e-1']);
    expect(errors.filter((e) => e instanceof StreamableHTTPError)).toHaveLength(2);
    expect(fetched).toEqual([]);
  });

  it('resumes an answer that stopped before its result with a GET from its last event id, off the fetch', async () => {
    let pending: number | undefined;
    const url = await scripted(
      (req, res) => {
        if (!req.headers['last-event-id']) return res.writeHead(405).end();
        const result = { content: [{ type: 'text', text: 'resumed' }] };
        sse(res, `id: e-2\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: pending, result })}\n\n`);
      },
      (_req, res, body) => {
        pending = (JSON.parse(body) as { id: number }).id;
        sse(res, 'id: e-1\ndata:\n\n');
      },
    );
    const { client: c, fetched } = await open(url);
    const answer = (await c.callTool({ name: 'x', arguments: {} })) as {
      content: Array<{ text: string }>;
    };
    expect(answer.content[0]!.text).toBe('resumed');
    expect(gets().map((g) => g.headers['last-event-id'])).toEqual([undefined, 'e-1']);
    expect(fetched).toEqual([]);
  });

  it('leaves a redirected GET to the SDK transport, which follows it within the origin', async () => {
    const url = await scripted((req, res) => {
      if (req.url === '/mcp') return res.writeHead(307, { location: '/events' }).end();
      sse(res, logEvent('moved'), false);
    });
    const { logged, fetched } = await open(url);
    await vi.waitFor(() => expect(logged).toEqual(['moved']));
    expect(gets().map((g) => g.url)).toEqual(['/mcp', '/mcp', '/events']);
    expect(fetched).toEqual(['GET', 'GET']);
  });

  it('close() ends the GET request and no reconnection follows', async () => {
    const url = await scripted((_req, res) =>
      sse(res, `retry: 10\n${logEvent('open', 'e-1')}`, false),
    );
    const { client: c, logged } = await open(url);
    await vi.waitFor(() => expect(logged).toEqual(['open']));
    await c.close();
    await gets()[0]!.closed;
    await sleep(200); // twenty times the server's retry delay
    expect(gets()).toHaveLength(1);
  });
});
