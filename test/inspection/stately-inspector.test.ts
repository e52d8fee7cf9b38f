/**
 * @module Tests for `serve --inspect`'s Stately inspector callback against a real local
 * WebSocket server: Stately-format events, sanitised; and no harm when nothing listens.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createActor, waitFor } from 'xstate';
import {
  parseInspectUrl,
  statelyInspector,
  type StatelyInspector,
} from '../../cli/commands/inspect.js';
import { UsageError } from '../../services/errors.js';
import { createLogger } from '../../services/logger/index.js';
import { SECRETS, secretMachine } from './secret-machine.js';

const logger = createLogger({ level: 'error', destination: { write: () => {} } });
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function wsServer(
  port = 0,
): Promise<{ server: WebSocketServer; url: string; frames: string[] }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port });
  await once(server, 'listening');
  const frames: string[] = [];
  server.on('connection', (socket) => socket.on('message', (data) => frames.push(data.toString())));
  cleanups.push(() => {
    for (const client of server.clients) client.terminate();
    return new Promise((resolve) => server.close(resolve));
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, frames };
}

function inspector(url: string, retryMs?: number): StatelyInspector {
  const inspect = statelyInspector(url, logger, { retryMs });
  cleanups.push(() => inspect.stop());
  return inspect;
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runSecretActor(inspect: StatelyInspector) {
  const actor = createActor(secretMachine, { inspect }).start();
  actor.send({ type: 'go' });
  await waitFor(
    actor,
    (s) => s.matches('idle') && (s.context.record as { generation: number }).generation === 2,
  );
  actor.stop();
  return actor;
}

describe('statelyInspector', () => {
  it('sends Stately-format events (actor with definition, event, snapshot) over WebSocket', async () => {
    const { url, frames } = await wsServer();
    const actor = await runSecretActor(inspector(url));

    await until(() => frames.some((f) => f.includes('"@xstate.snapshot"') && f.includes('"idle"')));
    const events = frames.map((f) => JSON.parse(f) as Record<string, any>);
    for (const event of events) {
      expect(event).toMatchObject({ _version: expect.any(String), sessionId: expect.any(String) });
      expect(Number(event.createdAt)).toBeGreaterThan(0);
    }
    const created = events.find(
      (e) => e.type === '@xstate.actor' && e.sessionId === actor.sessionId,
    )!;
    expect(created.name).toBe('secretive');
    expect(JSON.parse(created.definition)).toMatchObject({ id: 'secretive', initial: 'idle' });
    expect(events.some((e) => e.type === '@xstate.event' && e.event.type === 'go')).toBe(true);
    const snapshots = events.filter(
      (e) => e.type === '@xstate.snapshot' && e.sessionId === actor.sessionId,
    );
    expect(snapshots.map((s) => s.snapshot.value)).toContain('working');
  });

  it('sends no token or secret, whatever the context, events and invoked actors hold', async () => {
    const { url, frames } = await wsServer();
    await runSecretActor(inspector(url));
    await until(() => frames.some((f) => f.includes('"stopped"')));
    const text = frames.join('\n');
    expect(Object.values(SECRETS).filter((secret) => text.includes(secret))).toEqual([]);
    expect(text).toContain('[REDACTED]');
  });

  it('never throws when nothing listens, and delivers what waited once a server appears', async () => {
    const probe = await wsServer();
    const port = Number(new URL(probe.url).port);
    await new Promise((resolve) => probe.server.close(resolve));

    const inspect = inspector(`ws://127.0.0.1:${port}`, 50);
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    cleanups.push(() => {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    });
    await runSecretActor(inspect);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(errors).toEqual([]);

    const late = await wsServer(port);
    await until(() => late.frames.some((f) => f.includes('"@xstate.actor"')));
  });

  it('stops for good: no reconnection after stop()', async () => {
    const { server, url } = await wsServer();
    const inspect = statelyInspector(url, logger, { retryMs: 20 });
    await until(() => server.clients.size === 1);
    inspect.stop();
    await until(() => server.clients.size === 0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.clients.size).toBe(0);
  });

  it('refuses a URL that is not ws:// or wss://', () => {
    expect(() => parseInspectUrl('http://127.0.0.1:8090')).toThrow(UsageError);
    expect(() => parseInspectUrl('not a url')).toThrow(UsageError);
    expect(parseInspectUrl('ws://127.0.0.1:8090').port).toBe('8090');
  });
});
