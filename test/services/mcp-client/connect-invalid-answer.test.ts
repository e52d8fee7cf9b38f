/**
 * An upstream that answers the MCP handshake with a message the SDK cannot take is reported in
 * one sentence naming the bad field, not zod's multi-line dump: a real `sh` child speaking
 * broken JSON-RPC on stdout, through the real connect code.
 */
import { describe, expect, it } from 'vitest';
import type { UpstreamEntry } from '../../../machines/upstream/upstream.types.js';
import { connectUpstream } from '../../../services/mcp-client/connect.js';
import { memoryLogger } from '../../http/support/memory-logger.js';

const stdio = (script: string): UpstreamEntry => ({
  name: 'bad',
  protocol: 'stdio',
  url: null,
  command: 'sh',
  args: ['-c', script],
  env: {},
  cwd: null,
  headers: {},
  enabled: true,
  oauth: null,
});

async function failure(upstream: UpstreamEntry): Promise<Error> {
  const input = {
    entry: upstream,
    serverKey: 'k',
    record: null,
    accessToken: () => null,
    notify: () => undefined,
  };
  return connectUpstream(input, { logger: memoryLogger().logger, timeoutMs: 10_000 }).then(
    (output) => {
      void output.session.close();
      throw new Error('connected');
    },
    (error: unknown) => error as Error,
  );
}

describe('a handshake answer the SDK cannot take', () => {
  it('names the bad field in one line', async () => {
    // `initialize` (request id 0) answered with an empty result: no protocolVersion.
    const error = await failure(
      stdio(`read line; echo '{"jsonrpc":"2.0","id":0,"result":{}}'; cat >/dev/null`),
    );
    expect(error.message).toMatch(
      /^bad answered the MCP handshake with an invalid message \(protocolVersion: .+\)\.$/,
    );
    expect(error.message).not.toContain('\n');
  });
});
