/**
 * @module `mcpproxy serve --inspect` as a real process: a local WebSocket server receives
 * Stately-format inspection events; with nothing listening, serve keeps serving and stops
 * cleanly.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';

let proxy: ProxyProcess | undefined;
let wss: WebSocketServer | undefined;
afterEach(async () => {
  await proxy?.stop('SIGKILL');
  proxy = undefined;
  for (const client of wss?.clients ?? []) client.terminate();
  await new Promise((resolve) => (wss ? wss.close(resolve) : resolve(undefined)));
  wss = undefined;
});

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('mcpproxy serve --inspect', () => {
  it('sends Stately-format events of its actors to the WebSocket inspector', async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const frames: Array<Record<string, any>> = [];
    wss.on('connection', (socket) =>
      socket.on('message', (data) => frames.push(JSON.parse(data.toString()))),
    );
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;

    proxy = await startProxy({
      config: {},
      logLevel: 'info',
      args: ['--inspect', '--inspect-url', url],
    });
    const supervisorOf = () =>
      frames.find((f) => f.type === '@xstate.actor' && f.name === 'supervisor');
    const snapshotOf = (id: string) =>
      frames.find((f) => f.type === '@xstate.snapshot' && f.sessionId === id);
    await until(
      () => supervisorOf() !== undefined && snapshotOf(supervisorOf()!.sessionId) !== undefined,
      10_000,
    );

    const supervisor = supervisorOf();
    expect(supervisor).toMatchObject({
      _version: expect.any(String),
      sessionId: expect.any(String),
    });
    expect(JSON.parse(supervisor!.definition)).toMatchObject({ id: 'supervisor' });
    expect(snapshotOf(supervisor!.sessionId)).toMatchObject({
      snapshot: { status: 'active', value: 'running', context: expect.any(Object) },
      event: { type: expect.any(String) },
    });
  });

  it('keeps serving when no inspector listens, and stops cleanly', async () => {
    const probe = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    proxy = await startProxy({
      config: {},
      logLevel: 'info',
      args: ['--inspect', '--inspect-url', `ws://127.0.0.1:${port}`],
    });
    await until(() => proxy!.output().includes('Stately inspector not reachable'), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    expect(await proxy.stop('SIGINT')).toBe(0);
  });

  it('refuses an inspector URL that is not a WebSocket URL (exit 2)', async () => {
    await expect(
      startProxy({
        config: {},
        args: ['--inspect', '--inspect-url', 'http://127.0.0.1:1'],
        timeoutMs: 10_000,
      }),
    ).rejects.toThrow(/exited with 2[\s\S]*ws:\/\//);
  });
});
