/** @module A free loopback TCP port (for pinning a redirect URI or occupying a listen address). */
import { createServer, type Server } from 'node:net';

/** Listens on 127.0.0.1:0 and answers the server and its port; close it when done. */
export async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const { server, port } = await occupyPort();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
