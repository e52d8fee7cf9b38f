import { describe, expect, it } from 'vitest';
import { assign, type AnyStateMachine, type EventObject } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { statePath } from '../../machines/upstream/health.js';
import { withInternal } from '../../machines/upstream/upstream.logic.js';
import { upstreamMachine } from '../../machines/upstream/upstream.machine.js';
import { supervisorMachine } from '../../machines/supervisor/supervisor.machine.js';
import { oauthEntry, plainEntry, recordWithToken, spec, T0 } from '../helpers/machine-harness.js';

/** Every leaf state id of a machine ("authenticated.refreshScheduled", ...). */
function leafStates(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: { states: Record<string, unknown>; path: string[] }) => {
    const children = Object.values(node.states) as Array<typeof node>;
    if (children.length === 0) out.push(node.path.join('.'));
    for (const child of children) walk(child);
  };
  walk(machine.root as unknown as { states: Record<string, unknown>; path: string[] });
  return out;
}

/** The events the active state nodes listen to, with payloads that make each branch reachable. */
function eventsFor(payloads: Record<string, EventObject[]>) {
  return (snapshot: { _nodes: Array<{ ownEvents: string[] }> }) => {
    const types = new Set(snapshot._nodes.flatMap((n) => n.ownEvents));
    return [...types].flatMap((type) => payloads[type] ?? [{ type }]);
  };
}

const gh = spec(oauthEntry('gh'));
const env = { now: () => T0, newId: () => '00000000-0000-4000-8000-000000000001' };
const fresh = recordWithToken(gh.serverKey, 'gh', T0, 3600);
const session = {
  callTool: async () => ({}),
  listTools: async () => [],
  close: async () => undefined,
};
const failure = (result: string, extra: object = {}) => ({ result, message: result, ...extra });

describe('path coverage (xstate/graph)', () => {
  it('reaches every state of the upstream machine', () => {
    // Traversal runs the machine without a parent: the parent-bound actions keep their context
    // effects and drop the message (the supervisor tests cover the messages).
    const orphan = upstreamMachine.provide({
      actions: {
        issueRefreshed: assign(({ context }) => withInternal(context, { pending: fresh })),
        issueRecord: assign(({ context }) => withInternal(context, { pending: fresh })),
        recordDeadGrant: () => undefined,
        clearTokens: assign({ record: null }),
      },
    });
    const paths = getShortestPaths(orphan, {
      input: {
        entry: gh.entry,
        serverKey: gh.serverKey,
        record: fresh,
        recordError: null,
        settings: { threshold: 0.8, minIntervalMs: 10_000 },
        jitter: 0,
        env,
      },
      events: eventsFor({
        'xstate.done.actor.connect': [
          { type: 'xstate.done.actor.connect', output: { session, tools: [] } } as EventObject,
        ],
        'xstate.error.actor.connect': [
          { type: 'xstate.error.actor.connect', error: failure('failed_network') },
          {
            type: 'xstate.error.actor.connect',
            error: failure('failed_other', { unauthorized: true }),
          },
        ] as unknown as EventObject[],
        'refresh.done': [
          {
            type: 'refresh.done',
            output: { kind: 'issued', record: fresh, redeemedGeneration: 1 },
          } as EventObject,
        ],
        'refresh.failed': [
          { type: 'refresh.failed', error: failure('failed_network') },
          { type: 'refresh.failed', error: failure('failed_invalid_grant') },
        ] as unknown as EventObject[],
        'token.persisted': [{ type: 'token.persisted', record: fresh } as EventObject],
        'config.updated': [{ type: 'config.updated', entry: plainEntry('gh') } as EventObject],
        'auth.login': [{ type: 'auth.login', force: true } as EventObject],
        'upstream.insufficient_scope': [
          { type: 'upstream.insufficient_scope', scopes: ['admin'] } as EventObject,
        ],
        'upstream.tools_changed': [{ type: 'upstream.tools_changed', tools: [] } as EventObject],
        'upstream.disconnected': [
          { type: 'upstream.disconnected', error: 'closed' } as EventObject,
        ],
        'login.url': [{ type: 'login.url', authUrl: 'https://as/authorize' } as EventObject],
        'login.registered': [{ type: 'login.registered', record: fresh } as EventObject],
        'token.external': [
          { type: 'token.external', record: { ...fresh, generation: 9 } } as EventObject,
        ],
        'token.persist_failed': [
          { type: 'token.persist_failed', error: 'disk full', current: null } as EventObject,
        ],
        'xstate.done.actor.login': [
          { type: 'xstate.done.actor.login', output: { record: fresh } } as EventObject,
        ],
        'xstate.error.actor.login': [
          { type: 'xstate.error.actor.login', error: failure('failed_other') } as EventObject,
        ],
      }) as never,
      serializeState: (snapshot) =>
        `${statePath(snapshot.value)}|${snapshot.context.oauth}|${snapshot.context.internal.refreshNow}`,
      limit: 5_000,
    });
    const reached = new Set(paths.map((p) => statePath(p.state.value)));
    expect([...reached].sort()).toEqual(leafStates(upstreamMachine).sort());
  });

  it('reaches every state of the supervisor machine', () => {
    const paths = getShortestPaths(supervisorMachine, {
      input: {
        servers: [gh],
        settings: { threshold: 0.8, minIntervalMs: 10_000 },
        maxJitter: 0,
        jitterSeed: 1,
        env,
      },
      events: eventsFor({
        'store.loaded': [
          {
            type: 'store.loaded',
            name: 'gh',
            serverKey: gh.serverKey,
            result: { status: 'missing' },
          } as EventObject,
        ],
        'config.updated': [{ type: 'config.updated', servers: [] } as EventObject],
      }) as never,
      serializeState: (snapshot) => statePath(snapshot.value),
      limit: 1_000,
    });
    const reached = new Set(paths.map((p) => statePath(p.state.value)));
    expect([...reached].sort()).toEqual(leafStates(supervisorMachine).sort());
  });
});
