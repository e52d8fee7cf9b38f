/**
 * @module The supervisor statechart: owns one upstream child per configured server, loads their
 * records through its store actor, commits what children issue and answers `token.persisted`.
 */
import { type AnyActorRef, assign, enqueueActions, fromCallback, setup } from 'xstate';
import type { UpstreamEvent } from '../upstream/upstream.events.js';
import { upstreamMachine } from '../upstream/upstream.machine.js';
import type { UpstreamInput } from '../upstream/upstream.types.js';
import { issuerCounts, issuerOf, sharedIssuerJitter } from './jitter.js';
import type { SupervisorEvent } from './supervisor.events.js';
import type {
  LoadResult,
  ServerSpec,
  StoreCommand,
  SupervisorContext,
  SupervisorInput,
} from './supervisor.types.js';

/** The system id of the upstream actor of server `name`. */
export const upstreamSystemId = (name: string) => `upstream:${name}`;

/** Whether two specs describe the same server well enough to keep its actor. */
function sameTarget(a: ServerSpec, b: ServerSpec): boolean {
  return a.serverKey === b.serverKey;
}

/** Server names by server key (a key names one server: it is derived from the name). */
function namesByKey(specs: ServerSpec[]): Record<string, string> {
  return Object.fromEntries(specs.map((spec) => [spec.serverKey, spec.entry.name]));
}

function childInput(
  context: SupervisorContext,
  spec: ServerSpec,
  result: LoadResult,
  jitter: number,
): UpstreamInput {
  return {
    entry: spec.entry,
    serverKey: spec.serverKey,
    record: result.status === 'found' ? result.record : null,
    recordError: result.status === 'corrupt' ? result.error : null,
    settings: context.settings,
    jitter,
    env: context.env,
  };
}

/** The jitter of each named server given who shares an issuer (one count for all of them). */
function jittersOf(
  context: SupervisorContext,
  issuers: Record<string, string | null>,
  names: Iterable<string>,
): Map<string, number> {
  const counts = issuerCounts(issuers);
  const jitters = new Map<string, number>();
  for (const name of names) {
    jitters.set(
      name,
      sharedIssuerJitter(issuers, counts, name, context.jitterSeed, context.maxJitter),
    );
  }
  return jitters;
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actors: {
    upstream: upstreamMachine,
    /** Performs StoreCommands and reports StoreReports; services/ provides the real one. */
    store: fromCallback<StoreCommand, unknown>(() => {
      throw new Error('The "store" actor must be provided by services/ (machine.provide).');
    }),
  },
  guards: {
    noServers: ({ context }) => context.loading.length === 0,
    lastLoad: ({ context }, params: { name: string }) =>
      context.loading.length === 1 && context.loading[0] === params.name,
    /** Only a changed issuer can change who shares an AS: every other refresh skips the retune. */
    issuerChanged: ({ context, event }) => {
      if (event.type === 'store.saved') {
        return (
          event.name in context.children && context.issuers[event.name] !== issuerOf(event.record)
        );
      }
      if (event.type === 'store.changed') {
        const name = context.names[event.serverKey];
        return (
          name !== undefined &&
          name in context.children &&
          context.issuers[name] !== issuerOf(event.record)
        );
      }
      return false;
    },
  },
  actions: {
    requestLoads: enqueueActions(({ enqueue }, params: { specs: ServerSpec[] }) => {
      for (const spec of params.specs) {
        enqueue.sendTo('store', {
          type: 'store.load',
          name: spec.entry.name,
          serverKey: spec.serverKey,
        } satisfies StoreCommand);
      }
    }),
    spawnLoaded: assign(
      ({ context, spawn }, params: { name: string; serverKey: string; result: LoadResult }) => {
        const spec = context.specs[params.name];
        // A load that a later config change made obsolete is dropped.
        if (!spec || spec.serverKey !== params.serverKey || context.children[params.name])
          return {};
        const record = params.result.status === 'found' ? params.result.record : null;
        const issuers = { ...context.issuers, [params.name]: issuerOf(record) };
        const jitter = jittersOf(context, issuers, [params.name]).get(params.name)!;
        const ref = spawn('upstream', {
          id: params.name,
          systemId: upstreamSystemId(params.name),
          input: childInput(context, spec, params.result, jitter),
        }) as AnyActorRef;
        return {
          children: { ...context.children, [params.name]: ref },
          loading: context.loading.filter((n) => n !== params.name),
          issuers,
          jitters: { ...context.jitters, [params.name]: jitter },
        };
      },
    ),
    /** Keeps the issuer of every server's committed record (the jitter depends on sharing). */
    noteIssuer: assign(({ context, event }) => {
      const issuers = { ...context.issuers };
      if (event.type === 'store.saved') {
        if (!(event.name in context.children)) return {};
        issuers[event.name] = issuerOf(event.record);
      } else if (event.type === 'store.changed') {
        const name = context.names[event.serverKey];
        if (name === undefined || !(name in context.children)) return {};
        issuers[name] = issuerOf(event.record);
      } else {
        return {};
      }
      return { issuers };
    }),
    /** Tells each child whose jitter changed (servers started or stopped sharing an issuer). */
    retuneJitter: enqueueActions(({ context, enqueue }) => {
      const jitters = { ...context.jitters };
      let changed = false;
      const wanted = jittersOf(context, context.issuers, Object.keys(context.children));
      for (const [name, child] of Object.entries(context.children)) {
        const jitter = wanted.get(name)!;
        if (jitters[name] === jitter) continue;
        jitters[name] = jitter;
        changed = true;
        enqueue.sendTo(child, { type: 'jitter.updated', jitter } satisfies UpstreamEvent);
      }
      if (changed) enqueue.assign({ jitters });
    }),
    forwardToStore: enqueueActions(({ enqueue, event }) => {
      if (event.type === 'token.issued') {
        enqueue.sendTo('store', {
          type: 'store.save',
          name: event.name,
          kind: event.kind,
          record: event.record,
          expectedGeneration: event.expectedGeneration,
          correlationId: event.correlationId,
        } satisfies StoreCommand);
      } else if (event.type === 'token.cleared') {
        enqueue.sendTo('store', {
          type: 'store.clear',
          name: event.name,
          serverKey: event.serverKey,
          generation: event.generation,
        } satisfies StoreCommand);
      }
    }),
    answerChild: enqueueActions(({ context, enqueue, event }) => {
      if (event.type !== 'store.saved' && event.type !== 'store.save_failed') return;
      const child = context.children[event.name];
      if (!child) return;
      const answer: UpstreamEvent =
        event.type === 'store.saved'
          ? { type: 'token.persisted', record: event.record }
          : { type: 'token.persist_failed', error: event.error, current: event.current };
      enqueue.sendTo(child, answer);
    }),
    forwardChange: enqueueActions(({ context, enqueue, event }) => {
      if (event.type !== 'store.changed') return;
      const name = context.names[event.serverKey];
      const child = name === undefined ? undefined : context.children[name];
      if (child)
        enqueue.sendTo(child, {
          type: 'token.external',
          record: event.record,
        } satisfies UpstreamEvent);
    }),
    broadcastClockJump: enqueueActions(({ context, enqueue }) => {
      for (const child of Object.values(context.children)) {
        enqueue.sendTo(child, { type: 'clock.jumped' } satisfies UpstreamEvent);
      }
    }),
    applyConfig: enqueueActions(({ context, enqueue }, params: { servers: ServerSpec[] }) => {
      const next: Record<string, ServerSpec> = {};
      for (const spec of params.servers) next[spec.entry.name] = spec;
      const children = { ...context.children };
      const toLoad: ServerSpec[] = [];
      for (const [name, old] of Object.entries(context.specs)) {
        const incoming = next[name];
        if (incoming && sameTarget(old, incoming)) {
          if (JSON.stringify(old.entry) !== JSON.stringify(incoming.entry) && children[name]) {
            enqueue.sendTo(children[name], {
              type: 'config.updated',
              entry: incoming.entry,
            } satisfies UpstreamEvent);
          }
          continue;
        }
        // Removed, or its URL changed (a new server key): stop the old actor.
        if (children[name]) enqueue.stopChild(children[name]);
        delete children[name];
      }
      for (const spec of params.servers) {
        const old = context.specs[spec.entry.name];
        if (!old || !sameTarget(old, spec)) toLoad.push(spec);
      }
      const kept = (name: string) => name in children;
      enqueue.assign({
        specs: next,
        names: namesByKey(params.servers),
        children,
        issuers: Object.fromEntries(Object.entries(context.issuers).filter(([name]) => kept(name))),
        jitters: Object.fromEntries(Object.entries(context.jitters).filter(([name]) => kept(name))),
      });
      for (const spec of toLoad) {
        enqueue.sendTo('store', {
          type: 'store.load',
          name: spec.entry.name,
          serverKey: spec.serverKey,
        } satisfies StoreCommand);
      }
    }),
    /**
     * Stops every upstream, the newest first. XState copies the map of children for each child it
     * stops; removing the newest keeps that copy on V8's fast path (removing the oldest turns
     * each copy into a dictionary: 1,000 children took seconds to stop, against serve's 5 s).
     */
    stopChildrenNewestFirst: enqueueActions(({ context, enqueue }) => {
      for (const child of Object.values(context.children).reverse()) enqueue.stopChild(child);
    }),
    noteAvailability: enqueueActions(({ context, enqueue }, params: { available: boolean }) => {
      enqueue.assign({ storeAvailable: params.available });
      for (const child of Object.values(context.children)) {
        enqueue.sendTo(child, {
          type: 'store.availability',
          available: params.available,
        } satisfies UpstreamEvent);
      }
    }),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    specs: Object.fromEntries(input.servers.map((s) => [s.entry.name, s])),
    names: namesByKey(input.servers),
    settings: input.settings,
    maxJitter: input.maxJitter,
    jitterSeed: input.jitterSeed,
    env: input.env,
    loading: input.servers.map((s) => s.entry.name),
    children: {},
    issuers: {},
    jitters: {},
    storeAvailable: true,
  }),
  invoke: { id: 'store', src: 'store' },
  initial: 'starting',
  on: {
    'store.availability': {
      actions: {
        type: 'noteAvailability',
        params: ({ event }) => ({ available: event.available }),
      },
    },
  },
  states: {
    starting: {
      entry: {
        type: 'requestLoads',
        params: ({ context }) => ({ specs: Object.values(context.specs) }),
      },
      always: { guard: 'noServers', target: 'running' },
      on: {
        'store.loaded': [
          {
            guard: { type: 'lastLoad', params: ({ event }) => ({ name: event.name }) },
            target: 'running',
            actions: [{ type: 'spawnLoaded', params: ({ event }) => event }, 'retuneJitter'],
          },
          // Who shares an issuer is known once every record is loaded: one retune, after the last.
          { actions: { type: 'spawnLoaded', params: ({ event }) => event } },
        ],
        'token.issued': { actions: 'forwardToStore' },
        'token.cleared': { actions: 'forwardToStore' },
        'store.saved': [
          { guard: 'issuerChanged', actions: ['answerChild', 'noteIssuer', 'retuneJitter'] },
          { actions: 'answerChild' },
        ],
        'store.save_failed': { actions: 'answerChild' },
        'store.changed': [
          { guard: 'issuerChanged', actions: ['forwardChange', 'noteIssuer', 'retuneJitter'] },
          { actions: 'forwardChange' },
        ],
      },
    },
    running: {
      on: {
        'store.loaded': {
          actions: [{ type: 'spawnLoaded', params: ({ event }) => event }, 'retuneJitter'],
        },
        'token.issued': { actions: 'forwardToStore' },
        'token.cleared': { actions: 'forwardToStore' },
        'store.saved': [
          { guard: 'issuerChanged', actions: ['answerChild', 'noteIssuer', 'retuneJitter'] },
          { actions: 'answerChild' },
        ],
        'store.save_failed': { actions: 'answerChild' },
        'store.changed': [
          { guard: 'issuerChanged', actions: ['forwardChange', 'noteIssuer', 'retuneJitter'] },
          { actions: 'forwardChange' },
        ],
        'config.updated': {
          actions: [
            { type: 'applyConfig', params: ({ event }) => ({ servers: event.servers }) },
            'retuneJitter',
          ],
        },
        'clock.jumped': { actions: 'broadcastClockJump' },
        'supervisor.stop': 'stopped',
      },
    },
    stopped: { type: 'final', entry: 'stopChildrenNewestFirst' },
  },
});
