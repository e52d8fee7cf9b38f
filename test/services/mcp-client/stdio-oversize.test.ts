/**
 * A stdio upstream's answer over the size limit fails that call with a sentence saying so, and
 * nothing else: the connection, the child process and the other calls in flight carry on (the
 * SDK's own reader closed the connection, restarting the child and failing every call). A real
 * child process speaking MCP over stdio, the default 10 MB limit.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { SessionEvent, UpstreamSession } from '../../../machines/upstream/upstream.types.js';
import { createConnectActor } from '../../../services/mcp-client/connect-actor.js';
import { LenientReadBuffer } from '../../../services/mcp-client/stdio-read-buffer.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { stdioEntry } from '../oauth/fixtures.js';

const SERVER = join(import.meta.dirname, 'fixtures', 'big-answer-server.mjs');
const MIB = 1024 * 1024;

const entry = stdioEntry(process.execPath, [SERVER]);

let session: UpstreamSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

const text = (result: Record<string, unknown>) =>
  (result.content as Array<{ text: string }>)[0]!.text;

describe('a stdio answer over the size limit', () => {
  it('fails its own call only; the connection and the call in flight carry on', async () => {
    const events: SessionEvent[] = [];
    const output = await toPromise(
      createActor(createConnectActor({ logger: silentLogger }), {
        input: {
          entry,
          serverKey: 'k',
          record: null,
          accessToken: () => null,
          notify: (event) => void events.push(event),
        },
      }).start(),
    );
    session = output.session;

    const inFlight = session.callTool('echo', { message: 'still here', ms: 300 });
    await expect(session.callTool('big', { bytes: 12 * MIB })).rejects.toThrow(
      'local sent more than 10 MB in answer to big; answers over the limit are cut off, so the call was stopped.',
    );
    expect(text(await inFlight)).toBe('still here');
    expect(text(await session.callTool('echo', { message: 'after' }))).toBe('after');
    // Just under the limit still passes.
    expect(text(await session.callTool('big', { bytes: 1000 }))).toHaveLength(1000);
    expect(events.filter((e) => e.type === 'upstream.disconnected')).toEqual([]);
  });
});

describe('LenientReadBuffer', () => {
  const lines = (buffer: LenientReadBuffer) => {
    const out: unknown[] = [];
    for (let m = buffer.readMessage(); m !== null; m = buffer.readMessage()) out.push(m);
    return out;
  };

  it('answers an oversized response by its id (first or last in the line), in order, across chunks', () => {
    const skipped: boolean[] = [];
    const buffer = new LenientReadBuffer(64, (answered) => void skipped.push(answered));
    const big = 'y'.repeat(200);
    const idLast = `{"result":{"content":[{"type":"text","text":"${big}"}]},"jsonrpc":"2.0","id":7}\n`;
    const idFirst = `{"jsonrpc":"2.0","id":"req-8","result":{"text":"${big}"}}\n`;
    const notification = `{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"${big}"}}\n`;
    const small = '{"jsonrpc":"2.0","id":9,"result":{}}\n';
    const all = Buffer.from(idLast + small + idFirst + notification + small);
    for (let i = 0; i < all.length; i += 13) buffer.append(all.subarray(i, i + 13));

    const tooLarge = { code: -32_099, message: 'The answer is over the size limit' };
    expect(lines(buffer)).toEqual([
      { jsonrpc: '2.0', id: 7, error: tooLarge },
      { jsonrpc: '2.0', id: 9, result: {} },
      { jsonrpc: '2.0', id: 'req-8', error: tooLarge },
      { jsonrpc: '2.0', id: 9, result: {} },
    ]);
    expect(skipped).toEqual([true, true, false]);
  });
});
