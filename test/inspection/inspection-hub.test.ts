/** @module Tests for the inspection hub: sanitised JSON-safe messages, fan-out, late subscribers. */
import { describe, expect, it } from 'vitest';
import { createActor, createMachine, fromPromise, sendTo, setup, waitFor } from 'xstate';
import {
  createInspectionHub,
  type ActorMessage,
  type InspectionMessage,
} from '../../services/inspection/index.js';
import { SECRETS, secretMachine, secretRecord } from './secret-machine.js';

function collect(hub: ReturnType<typeof createInspectionHub>): InspectionMessage[] {
  const seen: InspectionMessage[] = [];
  hub.subscribe((m) => seen.push(m));
  return seen;
}

function leaks(text: string): string[] {
  return Object.values(SECRETS).filter((secret) => text.includes(secret));
}

async function runSecretMachine(hub: ReturnType<typeof createInspectionHub>) {
  const actor = createActor(secretMachine, { inspect: hub.inspect, systemId: 'secretive' });
  actor.start();
  actor.send({ type: 'go' });
  actor.send({ type: 'token.persisted', record: secretRecord(7) });
  await waitFor(
    actor,
    (s) => s.matches('idle') && (s.context.record as { generation: number }).generation === 2,
  );
  return actor;
}

describe('inspection hub: sanitisation', () => {
  it('never lets a token or secret out, at any depth, in any message', async () => {
    const hub = createInspectionHub();
    const seen = collect(hub);
    const actor = await runSecretMachine(hub);

    const text = JSON.stringify([...seen, ...hub.current(), ...hub.recent()]);
    expect(seen.length).toBeGreaterThan(5);
    expect(leaks(text)).toEqual([]);
    actor.stop();
  });

  it('sends JSON data only: functions dropped, sessions named, actor refs named', async () => {
    const hub = createInspectionHub();
    const seen = collect(hub);
    const actor = await runSecretMachine(hub);

    for (const message of seen) expect(JSON.parse(JSON.stringify(message))).toEqual(message);
    const last = seen
      .filter((m) => m.type === '@xstate.snapshot' && m.actorId === actor.sessionId)
      .at(-1)!;
    const context = (last as { snapshot: { context: Record<string, unknown> } }).snapshot.context;
    expect(context.session).toBe('[session]');
    expect(context).not.toHaveProperty('now');
    actor.stop();
  });

  it('summarises record.tokens, registration and pending instead of dropping them', async () => {
    const hub = createInspectionHub();
    const actor = await runSecretMachine(hub);

    const mine = hub.current().find((m) => m.actorId === actor.sessionId)!;
    const context = mine.snapshot.context as Record<string, any>;
    expect(context.record.tokens).toEqual({
      access_token: '[REDACTED]',
      refresh_token: '[REDACTED]',
      id_token: '[REDACTED]',
      token_type: 'Bearer',
      expires_in: 30,
      scope: 'mcp',
    });
    expect(context.record.registration).toEqual({
      client_id: 'client-1',
      client_secret: '[REDACTED]',
    });
    expect(context.pending).toEqual({
      generation: 2,
      issued_at: 1_700_000_000_000,
      expires_at: 1_700_000_030_000,
      tokens: '[REDACTED]',
    });
    expect(context.entry.headers).toEqual({ 'X-Custom': '[REDACTED]' });
    expect(context.entry.env).toEqual({ DEMO_CREDENTIAL: '[REDACTED]' });
    expect(context.note).toContain('code=[REDACTED]');
    actor.stop();
  });
});

describe('inspection hub: the stream', () => {
  it('announces an actor with its system id and first snapshot, then its events and snapshots', () => {
    const hub = createInspectionHub();
    const seen = collect(hub);
    const machine = createMachine({
      id: 'light',
      initial: 'green',
      states: { green: { on: { next: 'yellow' } }, yellow: {} },
    });
    const actor = createActor(machine, { inspect: hub.inspect, systemId: 'light:1' }).start();
    actor.send({ type: 'next' });

    const mine = seen.filter((m) => m.actorId === actor.sessionId);
    expect(mine[0]).toMatchObject({
      type: '@xstate.actor',
      name: actor.sessionId,
      machine: 'light',
      systemId: 'light:1',
      rootId: actor.sessionId,
      snapshot: { value: 'green', status: 'active' },
    });
    expect(mine.map((m) => m.type)).toContain('@xstate.event');
    const snapshots = mine.filter((m) => m.type === '@xstate.snapshot');
    expect(snapshots.at(-1)).toMatchObject({
      event: { type: 'next' },
      snapshot: { value: 'yellow' },
    });
    expect(new Date(mine[0]!.createdAt).toISOString()).toBe(mine[0]!.createdAt);
  });

  it('names the parent and the sender of events between actors', async () => {
    const hub = createInspectionHub();
    const seen = collect(hub);
    const parent = setup({ actors: { work: fromPromise(async () => 'ok') } }).createMachine({
      id: 'parent',
      initial: 'busy',
      states: { busy: { invoke: { id: 'work', src: 'work', onDone: 'done' } }, done: {} },
    });
    const actor = createActor(parent, { inspect: hub.inspect }).start();
    await waitFor(actor, (s) => s.matches('done'));

    const child = seen.find(
      (m): m is ActorMessage => m.type === '@xstate.actor' && m.name === 'work',
    )!;
    expect(child.parentId).toBe(actor.sessionId);
    const done = seen.find(
      (m) => m.type === '@xstate.event' && m.event.type === 'xstate.done.actor.work',
    );
    expect(done).toMatchObject({ actorId: actor.sessionId, sourceId: child.actorId });
  });

  it('gives a late subscriber the current snapshot of every live actor, not of stopped ones', async () => {
    const hub = createInspectionHub();
    const actor = await runSecretMachine(hub);
    const other = createActor(
      createMachine({ id: 'other', initial: 'a', states: { a: { on: { b: 'b' } }, b: {} } }),
      {
        inspect: hub.inspect,
      },
    ).start();
    other.send({ type: 'b' });

    const current = hub.current();
    expect(current.map((m) => m.machine).sort()).toEqual(['other', 'secretive']);
    expect(current.find((m) => m.machine === 'other')!.snapshot.value).toBe('b');
    expect(current.find((m) => m.machine === 'secretive')).toMatchObject({
      systemId: 'secretive',
      snapshot: { value: 'idle', context: { record: { generation: 2 } } },
    });

    other.stop();
    expect(hub.current().map((m) => m.machine)).toEqual(['secretive']);
    actor.stop();
    expect(hub.current()).toEqual([]);
  });

  it('keeps only the last maxEvents messages for late subscribers', () => {
    const hub = createInspectionHub({ maxEvents: 4 });
    const counter = createMachine({ id: 'c', on: { tick: {} } });
    const actor = createActor(counter, { inspect: hub.inspect }).start();
    for (let i = 0; i < 10; i++) actor.send({ type: 'tick' });
    expect(hub.recent()).toHaveLength(4);
    // Oldest first, across the wrap of the ring.
    expect(hub.recent().map((m) => m.type)).toEqual([
      '@xstate.event',
      '@xstate.snapshot',
      '@xstate.event',
      '@xstate.snapshot',
    ]);
    expect(hub.recent().at(-1)).toMatchObject({
      type: '@xstate.snapshot',
      event: { type: 'tick' },
    });
  });

  it('contains a throwing subscriber: the others and the actor go on', () => {
    const hub = createInspectionHub();
    hub.subscribe(() => {
      throw new Error('broken subscriber');
    });
    const seen = collect(hub);
    const unsubscribe = hub.subscribe(() => {});
    expect(hub.size).toBe(3);
    unsubscribe();
    const actor = createActor(
      createMachine({ id: 'x', initial: 'a', states: { a: { on: { go: 'b' } }, b: {} } }),
      {
        inspect: hub.inspect,
      },
    ).start();
    actor.send({ type: 'go' });
    expect(actor.getSnapshot().value).toBe('b');
    expect(seen.some((m) => m.type === '@xstate.snapshot')).toBe(true);
    expect(hub.size).toBe(2);
  });
});

describe('inspection hub: attached to a running system', () => {
  const parent = setup({
    actors: {
      light: createMachine({
        initial: 'off',
        states: { off: { on: { flip: 'on' } }, on: { on: { flip: 'off' } } },
      }),
    },
  }).createMachine({
    initial: 'running',
    invoke: { id: 'bulb', src: 'light', systemId: 'bulb' },
    states: { running: { on: { flip: { actions: sendTo('bulb', { type: 'flip' }) } } } },
  });
  const valueOf = (m: ActorMessage) => (m.snapshot as { value?: unknown }).value;

  it('inspects only while subscribed; a subscriber starts from the live actors as they are now', () => {
    const hub = createInspectionHub();
    const root = createActor(parent).start();
    hub.attach(root);
    root.send({ type: 'flip' }); // nobody subscribed: nothing is inspected or kept

    const seen: InspectionMessage[] = [];
    const unsubscribe = hub.subscribe((m) => seen.push(m));
    const bulb = hub.current().find((m) => m.systemId === 'bulb')!;
    expect(valueOf(bulb)).toBe('on');
    expect(bulb.parentId).toBe(root.sessionId);
    expect(hub.current().map((m) => m.actorId)).toEqual([root.sessionId, bulb.actorId]);
    expect(hub.recent()).toEqual([]);

    root.send({ type: 'flip' });
    const bulbSnapshots = seen.filter(
      (m) => m.type === '@xstate.snapshot' && m.systemId === 'bulb',
    ) as Array<{ snapshot: { value?: unknown } }>;
    expect(bulbSnapshots.map((m) => m.snapshot.value)).toEqual(['off']);
    expect(hub.recent().length).toBeGreaterThan(0);
    // Already listed by current(): the bulb is not announced again.
    expect(seen.filter((m) => m.type === '@xstate.actor')).toEqual([]);

    unsubscribe();
    const heard = seen.length;
    root.send({ type: 'flip' });
    expect(seen.length).toBe(heard);
    expect(hub.recent()).toEqual([]); // nothing kept while nobody listens
    expect(valueOf(hub.current().find((m) => m.systemId === 'bulb')!)).toBe('on');

    const again: InspectionMessage[] = [];
    const stop = hub.subscribe((m) => again.push(m));
    root.send({ type: 'flip' });
    expect(again.some((m) => m.type === '@xstate.snapshot' && m.systemId === 'bulb')).toBe(true);
    stop();
    root.stop();
    expect(hub.current()).toEqual([]);
  });
});
