/**
 * @module Raw HTTP/1.1 over a TCP socket, for requests `fetch` would refuse or normalise: `..` in
 * paths, bad percent-encoding, invalid UTF-8, huge headers, malformed request lines.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** Sends `request` (bytes, already framed) to host:port and reads until the server closes. */
export function rawRequest(
  port: number,
  request: Buffer | string,
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined); // a reset after the answer is fine
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: rest.join('\r\n\r\n') });
    });
    void writeUntilAnswered(socket, Buffer.from(request), () => chunks.length > 0);
  });
}

/**
 * Writes in 64 KiB pieces and stops once the server has answered: a server that refuses a large
 * body early closes the connection, and bytes still arriving would make it reset the socket
 * (losing its answer on our side).
 */
async function writeUntilAnswered(socket: Socket, bytes: Buffer, answered: () => boolean) {
  const piece = 64 * 1024;
  for (let offset = 0; offset < bytes.length && !answered(); offset += piece) {
    if (socket.destroyed) return;
    if (!socket.write(bytes.subarray(offset, offset + piece))) {
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Frames a request: `Connection: close`, a loopback Host, Content-Length for a body. */
export function frame(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string; port: number },
): Buffer {
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${options.port}`,
    Connection: 'close',
    ...(options.body !== undefined
      ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }
      : {}),
    ...options.headers,
  };
  const head = [
    `${method} ${path} HTTP/1.1`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** The body of a chunked upload of `total` bytes that never declares its length. */
export function chunked(method: string, path: string, port: number, total: number): Buffer {
  const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const parts: Buffer[] = [Buffer.from(head)];
  for (let sent = 0; sent < total; sent += chunk.length) {
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}
