/**
 * @module A tiny programmable HTTP server on an ephemeral 127.0.0.1 port: each test sets the
 * answer (status, headers, body) or makes it hang, to feed real HTTP answers to OAuth code.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TinyServer {
  url: string;
  port: number;
  /** Replaces the handler for the next requests. */
  handle(handler: Handler): void;
  stop(): Promise<void>;
}

/** Starts the server; the default handler answers 404. */
export async function startTinyServer(): Promise<TinyServer> {
  let handler: Handler = (_req, res) => res.writeHead(404).end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    handle: (next) => {
      handler = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A handler answering `status` with a JSON (object) or text (string) body. */
export function answer(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Handler {
  return (_req, res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const type = typeof body === 'string' ? 'text/plain' : 'application/json';
    res.writeHead(status, { 'Content-Type': type, ...headers }).end(text);
  };
}
