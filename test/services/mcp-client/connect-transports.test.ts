/**
 * The connect actor over the other transports: `auto` falling back to SSE, `sse`, tool-list
 * changes pushed by a Streamable HTTP server, and the session actor closing its session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { z } from 'zod';
import type {
  ConnectInput,
  SessionEvent,
  UpstreamEntry,
  UpstreamSession,
} from '../../../machines/upstream/upstream.types.js';
import { createConnectActor, sessionActor } from '../../../services/mcp-client/connect-actor.js';
import { silentLogger } from '../../../services/oauth/service-logger.js';
import { httpEntry } from '../oauth/fixtures.js';
import { startSseServer, startStreamableServer } from './local-servers.js';
import type { LocalServer } from './local-servers.js';

let server: LocalServer | undefined;
let session: UpstreamSession | undefined;
afterEach(async () => {
  await session?.close();
  await server?.stop();
  session = server = undefined;
});

async function connect(entry: UpstreamEntry) {
  const events: SessionEvent[] = [];
  const input: ConnectInput = {
    entry,
    serverKey: 'k',
    record: null,
    accessToken: () => null,
    notify: (event) => events.push(event),
  };
  const output = await toPromise(
    createActor(createConnectActor({ logger: silentLogger }), { input }).start(),
  );
  session = output.session;
  return { ...output, events };
}

/** Resolves with the first event `events` receives that matches `type` (bounded by the test timeout). */
function nextEvent(events: SessionEvent[], type: SessionEvent['type']): Promise<SessionEvent> {
  return new Promise((resolve) => {
    const push = events.push.bind(events);
    events.push = (...items: SessionEvent[]) => {
      const n = push(...items);
      const hit = items.find((e) => e.type === type);
      if (hit) resolve(hit);
      return n;
    };
  });
}

describe('createConnectActor transports', () => {
  it('auto falls back to SSE against an SSE-only server', async () => {
    server = await startSseServer();
    const { tools, session: s } = await connect({
      ...httpEntry(server.url, null),
      protocol: 'auto',
    });
    expect(tools.map((t) => t.name)).toEqual(['echo']);
    expect(await s.callTool('echo', { message: 'via sse' })).toEqual({
      content: [{ type: 'text', text: 'via sse' }],
    });
  });

  it('protocol sse connects directly', async () => {
    server = await startSseServer();
    const { session: s } = await connect({ ...httpEntry(server.url, null), protocol: 'sse' });
    expect(await s.callTool('echo', { message: 'x' })).toMatchObject({ content: [{ text: 'x' }] });
  });

  it('protocol http does not fall back and fails with a sentence', async () => {
    server = await startSseServer();
    const failure = await connect({ ...httpEntry(server.url, null), protocol: 'http' }).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({
      result: 'failed_other',
      message: 'demo answered HTTP 405 to the MCP handshake.',
    });
  });

  it('reports a tool-list change with the new list', async () => {
    server = await startStreamableServer();
    const { events } = await connect({ ...httpEntry(server.url, null), protocol: 'auto' });
    const changed = nextEvent(events, 'upstream.tools_changed');
    server.mcp().registerTool('added', { inputSchema: { n: z.number() } }, () => ({ content: [] }));

    const event = await changed;
    expect(event.type === 'upstream.tools_changed' && event.tools.map((t) => t.name)).toEqual([
      'echo',
      'added',
    ]);
  });

  it('a dropped SSE stream is reported as a disconnect', async () => {
    server = await startSseServer();
    const { events } = await connect({ ...httpEntry(server.url, null), protocol: 'sse' });
    const lost = nextEvent(events, 'upstream.disconnected');
    await server.stop();
    server = undefined;
    expect(await lost).toMatchObject({ type: 'upstream.disconnected' });
  });

  it('the session actor closes its session when stopped', async () => {
    server = await startStreamableServer();
    const { session: s } = await connect({ ...httpEntry(server.url, null), protocol: 'http' });
    const owner = createActor(sessionActor, { input: { session: s } }).start();
    owner.stop();
    await expect(s.callTool('echo', { message: 'after close' })).rejects.toThrow();
  });
});
