/**
 * @module The floor of one extra HTTP hop, for the proxy-overhead bench: a Node process that
 * forwards every request to one upstream byte for byte (`http.createServer` piped to
 * `http.request` on a keep-alive agent: no parsing of the bodies, no MCP, no routing). Any
 * proxy in between costs at least what this costs. `npx tsx bench/lib/byte-forwarder.ts <url>`
 * prints `byte-forwarder <url>` and serves until SIGTERM.
 */
import { Agent, createServer, request, type OutgoingHttpHeaders } from 'node:http';

const target = new URL(process.argv[2] ?? '');
if (target.protocol !== 'http:') {
  console.error('usage: byte-forwarder <http://host:port/path of the upstream>');
  process.exit(2);
}
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
/** Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded; `host` becomes the upstream's. */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

const server = createServer((req, res) => {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers))
    if (!HOP.has(name)) headers[name] = value;
  const upstream = request(
    {
      agent,
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: target.pathname + (req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''),
      headers,
    },
    (answer) => {
      const out: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers))
        if (!HOP.has(name)) out[name] = value;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`byte-forwarder http://127.0.0.1:${port}${target.pathname}`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
