/**
 * @module Transport construction per protocol: Streamable HTTP and SSE with the upstream fetch
 * (no `authProvider`, so the SDK never refreshes) — Streamable HTTP sends its requests on the
 * direct path (direct-http.ts) — and stdio with its stderr, scrubbed of the entry's configuration
 * values, piped to debug logs.
 */
import type { ChildProcess } from 'node:child_process';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { UpstreamEntry } from '../../machines/upstream/upstream.types.js';
import type { ServiceLogger } from '../oauth/index.js';
import type { Scrub } from './config-secrets.js';
import { DirectHttpTransport } from './direct-http.js';
import { trackChild } from './stdio-children.js';
import { LenientReadBuffer } from './stdio-read-buffer.js';
import type { UpstreamFetchOptions } from './upstream-fetch.js';

/** How many stderr lines of a stdio server are kept for error messages. */
const STDERR_TAIL = 20;

export type HttpKind = 'http' | 'sse';

/**
 * A Streamable HTTP or SSE transport over the upstream fetch. With `direct` (what the fetch was
 * made from), Streamable HTTP requests take the direct path; without it (a custom base fetch
 * that must see every request) all go through the fetch.
 */
export function httpTransport(
  kind: HttpKind,
  url: string,
  fetchFn: FetchLike,
  direct: (UpstreamFetchOptions & { maxBodyBytes: number }) | null,
): Transport {
  const target = new URL(url);
  if (kind === 'sse') return new SSEClientTransport(target, { fetch: fetchFn });
  return direct
    ? new DirectHttpTransport(target, fetchFn, direct)
    : new StreamableHTTPClientTransport(target, { fetch: fetchFn });
}

/**
 * A stdio transport; stderr lines, through `scrub` (the child may print the `env` it was given),
 * go to `logger.debug` and the last ones into `stderrTail`. Its child, once spawned, is ended at
 * the proxy's exit if still running (stdio-children.ts).
 */
export function stdioTransport(
  entry: UpstreamEntry,
  logger: ServiceLogger,
  stderrTail: string[],
  scrub: Scrub,
  maxLineBytes: number,
): StdioClientTransport {
  const transport = new StdioClientTransport({
    command: entry.command ?? '',
    args: entry.args,
    env: Object.keys(entry.env).length > 0 ? entry.env : undefined,
    cwd: entry.cwd ?? undefined,
    stderr: 'pipe',
  });
  // A line over the limit is skipped (its request answered with an error), not the end of the
  // connection as with the SDK's reader.
  (transport as unknown as { _readBuffer: LenientReadBuffer })._readBuffer = new LenientReadBuffer(
    maxLineBytes,
    (answered) =>
      logger.warn(
        { limit_bytes: maxLineBytes, answered },
        'upstream message over the size limit skipped',
      ),
  );
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    // The SDK keeps the child private; it is set once `start` resolved (the child spawned).
    const child = (transport as unknown as { _process?: ChildProcess })._process;
    if (child) trackChild(child);
  };
  let partial = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const text = scrub(line.trimEnd());
      if (!text) continue;
      stderrTail.push(text);
      if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
      logger.debug({ stderr: text }, 'upstream stderr');
    }
  });
  return transport;
}
