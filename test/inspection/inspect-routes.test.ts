/**
 * @module Tests for `GET /api/v1/inspect` on a real HTTP server: late subscribers get the
 * present first, then live messages; filtering by system id; pings; streams end on close.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { inspectRoutes } from '../../http/dashboard/index.js';
import { createInspectionHub, type InspectionMessage } from '../../services/inspection/index.js';
import { openSse, type SseReader } from './sse-reader.js';

const toggle = createMachine({
  id: 'toggle',
  initial: 'off',
  states: { off: { on: { flip: 'on' } }, on: { on: { flip: 'off' } } },
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof inspectRoutes>[1] = {}) {
  const hub = createInspectionHub();
  const server: ServerType = serve({
    fetch: inspectRoutes(hub, options).fetch,
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise((resolve) => server.once('listening', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const open = async (query = '') => {
    const reader = await openSse(`${base}/api/v1/inspect${query}`);
    cleanups.push(() => reader.close());
    return reader;
  };
  return { hub, open };
}

const parsed = (reader: SseReader) =>
  reader.messages.map((m) => JSON.parse(m.data) as InspectionMessage);

describe('GET /api/v1/inspect', () => {
  it('gives a late subscriber the current snapshot of every actor first, then live transitions', async () => {
    const { hub, open } = await start();
    const light = createActor(toggle, { inspect: hub.inspect, systemId: 'upstream:light' }).start();
    light.send({ type: 'flip' });

    const reader = await open('?history=0');
    const first = await reader.next(() => true);
    expect(first.event).toBe('@xstate.actor');
    expect(JSON.parse(first.data)).toMatchObject({
      systemId: 'upstream:light',
      snapshot: { value: 'on' },
    });

    light.send({ type: 'flip' });
    const live = await reader.next((m) => m.event === '@xstate.snapshot');
    expect(JSON.parse(live.data)).toMatchObject({
      type: '@xstate.snapshot',
      actorId: light.sessionId,
      event: { type: 'flip' },
      snapshot: { value: 'off', status: 'active' },
    });
    expect(parsed(reader).some((m) => m.type === '@xstate.event' && m.event.type === 'flip')).toBe(
      true,
    );
  });

  it('replays recent events after the present unless history=0', async () => {
    const { hub, open } = await start();
    const light = createActor(toggle, { inspect: hub.inspect }).start();
    light.send({ type: 'flip' });

    const reader = await open();
    await reader.next((m) => m.event === '@xstate.snapshot');
    const types = parsed(reader).map((m) => m.type);
    expect(types[0]).toBe('@xstate.actor');
    expect(types.filter((t) => t === '@xstate.snapshot').length).toBeGreaterThan(0);
  });

  it('keeps only actors whose system id starts with ?system=', async () => {
    const { hub, open } = await start();
    const reader = await open('?system=upstream:');
    createActor(toggle, { inspect: hub.inspect, systemId: 'other' }).start().send({ type: 'flip' });
    const wanted = createActor(toggle, { inspect: hub.inspect, systemId: 'upstream:a' }).start();
    wanted.send({ type: 'flip' });
    await reader.next((m) => m.event === '@xstate.snapshot');
    expect(parsed(reader).every((m) => m.systemId === 'upstream:a')).toBe(true);
  });

  it('pings idle streams and ends them when the registered closer runs', async () => {
    const closers = new Set<() => void>();
    const { hub, open } = await start({
      pingIntervalMs: 30,
      register: (close) => (closers.add(close), () => closers.delete(close)),
    });
    const reader = await open();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reader.text()).toContain(': ping');
    expect(hub.size).toBe(1);
    for (const close of closers) close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hub.size).toBe(0);
  });
});
