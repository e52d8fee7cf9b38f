/**
 * @module The `/mcp` POST body reader on a real @hono/node-server socket: a body of declared
 * length is read from the Node request (no web stream), a chunked one through Hono, and both
 * parse exactly as `c.req.json()` does (a byte order mark dropped, bad JSON refused).
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody } from '../../http/mcp/json-body.js';

let server: ServerType;
let port: number;
const readers: string[] = [];

beforeAll(async () => {
  const app = new Hono();
  app.post('/echo', async (c) => {
    readers.push(c.req.header('transfer-encoding') ? 'chunked' : 'declared');
    try {
      return c.json({ parsed: await jsonBody(c) });
    } catch {
      return c.json({ error: 'not JSON' }, 400);
    }
  });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** POSTs `chunks` (one chunk with a Content-Length, several as chunked encoding). */
function post(chunks: Buffer[]): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (chunks.length === 1) headers['content-length'] = String(chunks[0]!.byteLength);
    const req = request(
      { host: '127.0.0.1', port, path: '/echo', method: 'POST', headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('the /mcp JSON body reader', () => {
  const message = {
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'a__b', arguments: { text: 'héllo ✓' } },
  };
  const bytes = Buffer.from(JSON.stringify(message), 'utf8');

  it('parses a body of declared length, multi-byte characters included', async () => {
    expect(await post([bytes])).toEqual({ status: 200, body: { parsed: message } });
  });

  it('parses a chunked body, split inside a multi-byte character', async () => {
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    expect(await post([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual({
      status: 200,
      body: { parsed: message },
    });
    expect(readers.at(-1)).toBe('chunked');
  });

  it('drops a byte order mark, as body.json() does', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    expect(await post([bom])).toEqual({ status: 200, body: { parsed: message } });
  });

  it('refuses a body that is not JSON, either way', async () => {
    expect((await post([Buffer.from('{"jsonrpc": ')])).status).toBe(400);
    expect((await post([Buffer.from('{"a"'), Buffer.from(': }')])).status).toBe(400);
  });
});
