/**
 * The values mcpproxy hands an upstream as configuration (stdio `env`, `headers`, the OAuth
 * `client_secret`) never come back out of it: a real `sh` child printing its env to stderr, and a
 * real HTTP server quoting its headers in error bodies, through the real connect code and the
 * project's logger. Short values (`1`) are left alone.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamEntry, UpstreamSession } from '../../../machines/upstream/upstream.types.js';
import { configSecrets, upstreamScrubber } from '../../../services/mcp-client/config-secrets.js';
import { connectUpstream } from '../../../services/mcp-client/connect.js';
import { memoryLogger } from '../../http/support/memory-logger.js';

function entry(overrides: Partial<UpstreamEntry>): UpstreamEntry {
  return {
    name: 'leak',
    protocol: 'stdio',
    url: null,
    command: null,
    args: [],
    env: {},
    cwd: null,
    headers: {},
    enabled: true,
    oauth: null,
    ...overrides,
  };
}

/** Connects with the real connect code; answers the failure (or throws if it connected). */
async function failedConnect(upstream: UpstreamEntry) {
  const log = memoryLogger();
  const input = {
    entry: upstream,
    serverKey: 'k',
    record: null,
    accessToken: () => null,
    notify: () => undefined,
  };
  const failure = await connectUpstream(input, { logger: log.logger, timeoutMs: 10_000 }).then(
    (output) => {
      void output.session.close();
      throw new Error('connected');
    },
    (error: unknown) => error as Error & { cause?: unknown },
  );
  return { failure, lines: log.lines };
}

/** Every text a failure carries: its message and those of its causes. */
function messages(error: unknown): string {
  const out: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) out.push(e.message, e.stack ?? '');
  return out.join('\n');
}

const shEntry = (script: string, env: Record<string, string>) =>
  entry({ command: 'sh', args: ['-c', script], env });

describe('a stdio upstream repeating its env on stderr', () => {
  it('the handshake error and the logged stderr line show [REDACTED], not the env value', async () => {
    const { failure, lines } = await failedConnect(
      shEntry('echo "Error: invalid api key $MY_API_KEY" >&2; exit 1', {
        MY_API_KEY: 'sk-ENVLEAK_0002',
      }),
    );

    expect(failure.message).toBe(
      'leak closed the connection during the MCP handshake (stderr: Error: invalid api key [REDACTED]).',
    );
    expect(messages(failure)).not.toContain('sk-ENVLEAK_0002');
    const stderr = lines.filter((l) => l.msg === 'upstream stderr');
    expect(stderr.map((l) => l.stderr)).toEqual(['Error: invalid api key [REDACTED]']);
    expect(JSON.stringify(lines)).not.toContain('sk-ENVLEAK_0002');
  });

  it('a value under any name is caught, also in KEY=value form', async () => {
    const { failure, lines } = await failedConnect(
      shEntry('echo "auth failed with GITHUB_TOKEN=$GITHUB_TOKEN" >&2; exit 1', {
        GITHUB_TOKEN: 'ghp_ENVLEAK_0001',
      }),
    );

    expect(failure.message).toContain('(stderr: auth failed with GITHUB_TOKEN=[REDACTED])');
    expect(messages(failure) + JSON.stringify(lines)).not.toContain('ENVLEAK_0001');
  });

  it('a multi-line value (a PEM key) is caught line by line', async () => {
    const { failure, lines } = await failedConnect(
      shEntry('printf "%s\\n" "$K" >&2; exit 1', { K: 'line1-M1SECRET\nline2-M2SECRET' }),
    );

    const text = messages(failure) + JSON.stringify(lines);
    expect(text).not.toContain('M1SECRET');
    expect(text).not.toContain('M2SECRET');
    expect(failure.message).toContain('(stderr: [REDACTED])');
  });

  it('a value shorter than four characters is left alone', async () => {
    const { failure, lines } = await failedConnect(
      shEntry('echo "retry $RETRIES of 3: no config, key $KEY" >&2; exit 1', {
        RETRIES: '1',
        KEY: 'kx-ENVLEAK_0003',
      }),
    );

    expect(failure.message).toContain('(stderr: retry 1 of 3: no config, key [REDACTED])');
    expect(lines.find((l) => l.msg === 'upstream stderr')?.stderr).toBe(
      'retry 1 of 3: no config, key [REDACTED]',
    );
  });
});

/** A real HTTP upstream whose answers quote the headers it was sent. */
let server: Server | undefined;
let session: UpstreamSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const quoteHeaders = (req: IncomingMessage) =>
  `invalid key ${String(req.headers['x-api-key'])}; ` +
  `token ${String(req.headers.authorization).replace(/^Bearer /, '')} refused`;

const headers = { 'X-Api-Key': 'hk-HDRLEAK_0004', Authorization: 'Bearer tok_HDRLEAK_0005' };

describe('an HTTP upstream quoting its headers in an error body', () => {
  it('SSE: the connect error quoting the POST answer shows [REDACTED], not the header values', async () => {
    const base = await listen((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: endpoint\ndata: /messages\n\n');
        return;
      }
      res.writeHead(500, { 'content-type': 'text/plain' }).end(quoteHeaders(req));
    });
    const { failure, lines } = await failedConnect(
      entry({ protocol: 'sse', url: `${base}/sse`, headers }),
    );
    server?.closeAllConnections();

    expect(failure.message).toBe(
      'leak: connect failed: Error POSTing to endpoint (HTTP 500): invalid key [REDACTED]; ' +
        'token [REDACTED] refused.',
    );
    const everything = messages(failure) + JSON.stringify(lines);
    expect(everything).not.toContain('HDRLEAK_0004');
    expect(everything).not.toContain('HDRLEAK_0005');
  });

  it('Streamable HTTP: a tool call failing with such a body fails with [REDACTED]', async () => {
    const base = await listen((req, res) => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const message = JSON.parse(body) as { id?: number; method: string };
        const result =
          message.method === 'initialize'
            ? {
                protocolVersion: '2025-06-18',
                capabilities: { tools: {} },
                serverInfo: { name: 'quoting', version: '1' },
              }
            : message.method === 'tools/list'
              ? { tools: [] }
              : null;
        if (message.id === undefined) return void res.writeHead(202).end();
        if (!result) return void res.writeHead(500).end(quoteHeaders(req));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      });
    });
    const output = await connectUpstream(
      {
        entry: entry({ protocol: 'http', url: `${base}/mcp`, headers }),
        serverKey: 'k',
        record: null,
        accessToken: () => null,
        notify: () => undefined,
      },
      { logger: memoryLogger().logger },
    );
    session = output.session;

    const failure = await session.callTool('anything', {}).catch((e: unknown) => e as Error);

    expect(failure.message).toContain('invalid key [REDACTED]; token [REDACTED] refused');
    expect(messages(failure)).not.toMatch(/HDRLEAK_000[45]/);
  });
});

describe('configSecrets', () => {
  it.each([
    ['an env value', { env: { A: 'abcd' } }, ['abcd']],
    ['a value under four characters: none', { env: { A: '1', B: 'on', C: 'abc' } }, []],
    [
      'a header value, its credential, and their URL-encoded forms',
      { headers: { Authorization: 'Basic dTpw+w==' } },
      ['Basic%20dTpw%2Bw%3D%3D', 'Basic dTpw+w==', 'dTpw%2Bw%3D%3D', 'dTpw+w=='],
    ],
    [
      'the client secret, also JSON-escaped',
      {
        oauth: {
          client_id: 'c',
          client_secret: 'se"cret',
          scopes: [],
          redirect_uri: null,
          extra_params: {},
        },
      },
      ['se%22cret', 'se\\"cret', 'se"cret'],
    ],
  ])('%s', (_name, overrides: Partial<UpstreamEntry>, expected: string[]) => {
    expect(configSecrets(entry(overrides))).toEqual(expected);
  });

  it('a value inside a longer one goes with it, in one pass', () => {
    const scrub = upstreamScrubber(entry({ env: { A: 'REDACTED-xyz', B: 'REDA' } }));
    expect(scrub('got REDACTED-xyz and REDA')).toBe('got [REDACTED] and [REDACTED]');
  });
});
