/**
 * The connect actor over stdio with the reference server (`@modelcontextprotocol/server-everything`):
 * tools listed and `echo` called; a missing command and an early exit fail with sentences.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { UpstreamEntry, UpstreamSession } from '../../../machines/upstream/upstream.types.js';
import { createConnectActor } from '../../../services/mcp-client/connect-actor.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { stdioEntry } from '../oauth/fixtures.js';

const everything = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);

let session: UpstreamSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

function connect(entry: UpstreamEntry) {
  const input = {
    entry,
    serverKey: 'k',
    record: null,
    accessToken: () => null,
    notify: () => undefined,
  };
  return toPromise(createActor(createConnectActor({ logger: silentLogger }), { input }).start());
}

describe('createConnectActor over stdio', () => {
  it('connects to server-everything, lists its tools and calls echo', async () => {
    const output = await connect(stdioEntry(process.execPath, [everything, 'stdio']));
    session = output.session;

    expect(output.tools.map((t) => t.name)).toContain('echo');
    const result = await session.callTool('echo', { message: 'over stdio' });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: over stdio' }]);
  });

  it('a command that does not exist fails with a sentence', async () => {
    const failure = await connect(stdioEntry('/nonexistent/mcp-server', [])).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({
      result: 'failed_other',
      message: 'local: the command could not be started (not found).',
    });
  });

  it('a server that exits at once fails with its last stderr line', async () => {
    const script = "console.error('config file missing'); process.exit(3)";
    const failure = await connect(stdioEntry(process.execPath, ['-e', script])).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({
      result: 'failed_other',
      message:
        'local closed the connection during the MCP handshake (stderr: config file missing).',
    });
  });
});
