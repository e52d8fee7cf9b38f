/**
 * @module An in-process fleet for the simulated-time benchmarks: the real supervisor and upstream
 * machines, the real store actor over an in-memory store, optionally the real observer (logs,
 * metrics, SSE events as `serve` wires them), and fake connect/refresh actors standing in for the
 * network. Time is a simulated clock driven timer to timer.
 */
import { Writable } from 'node:stream';
import {
  createActor,
  fromCallback,
  fromPromise,
  SimulatedClock,
  type AnyActorRef,
  type EventObject,
} from 'xstate';
import { supervisorMachine } from '../../machines/supervisor/supervisor.machine.js';
import type { ServerSpec } from '../../machines/supervisor/supervisor.types.js';
import { statePath } from '../../machines/upstream/health.js';
import { emptyRecord, withTokens, type TokenRecord } from '../../machines/upstream/token-record.js';
import { upstreamMachine } from '../../machines/upstream/upstream.machine.js';
import type {
  ConnectInput,
  ConnectOutput,
  RefreshInput,
  RefreshOutput,
  UpstreamContext,
  UpstreamSession,
} from '../../machines/upstream/upstream.types.js';
import { EventHub, type ProxyEvent } from '../../services/events/proxy-events.js';
import { createInspectionHub } from '../../services/inspection/inspection-hub.js';
import { createLogger } from '../../services/logger/index.js';
import { createMetrics } from '../../services/metrics/metrics.js';
import { createUpstreamObserver } from '../../services/observer/upstream-observer.js';
import { createStoreActor } from '../../services/runtime/store-actor.js';
import { oauthEntry } from '../../test/helpers/machine-harness.js';
import { HeapClock } from './sim-clock.js';
import { MemoryTokenStore } from './memory-store.js';
import { seededRandom } from './stats.js';

/** Wall-clock origin of simulated time. */
export const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

export interface SimFleetOptions {
  servers: number;
  /** Access-token lifetime in seconds. */
  ttlS: number;
  /**
   * Attach the observer and the inspection hub as `serve` does (pino at info into a discarding
   * stream, metrics, SSE hub; the hub keeps recent inspection messages for `/api/v1/inspect`).
   */
  observer: boolean;
  /** `heap` (bench/lib/sim-clock.ts) or XState's own `SimulatedClock`. */
  clock: 'heap' | 'xstate';
  threshold?: number;
  minIntervalMs?: number;
  /** Earlier-only refresh jitter bound, as `serve` sets it (0.05). */
  maxJitter?: number;
  seed?: number;
  /** How many authorization servers issue the tokens (servers sharing one get jitter). */
  issuers?: number;
  /** Called when a (fake) refresh starts: server name, simulated wall time, the input record. */
  onRefresh?: (name: string, at: number, record: TokenRecord) => void;
}

/** A driven clock: XState's clock interface plus what the driver needs. */
interface DrivenClock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
  now(): number;
  next(): number;
  set(time: number): void;
}

function xstateClock(): DrivenClock {
  const clock = new SimulatedClock();
  const timeouts = (
    clock as unknown as { timeouts: Map<number, { start: number; timeout: number }> }
  ).timeouts;
  return Object.assign(clock, {
    next() {
      let next = Infinity;
      for (const t of timeouts.values()) next = Math.min(next, t.start + t.timeout);
      return next;
    },
  });
}

const TOOLS = [{ name: 'echo', inputSchema: { type: 'object' } }];

const fakeSession = (): UpstreamSession => ({
  callTool: async (name, args) => ({
    content: [{ type: 'text', text: `${name}:${JSON.stringify(args)}` }],
  }),
  listTools: async () => TOOLS,
  close: async () => undefined,
});

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

export interface SimFleet {
  clock: DrivenClock;
  store: MemoryTokenStore;
  names: string[];
  /** Simulated wall time (ms since the epoch). */
  now(): number;
  refreshes: number;
  start(): Promise<void>;
  /** Runs simulated time forward by `ms`, firing each timer at its exact moment. */
  advance(ms: number): Promise<void>;
  /** Counts of each actor's state path. */
  states(): Record<string, number>;
  /** The context of server `name`'s actor (read-only). */
  context(name: string): UpstreamContext;
  stop(): void;
}

/** One macrotask turn: the microtasks queued before it (fake actors, the store actor) drain. */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `clock` forward by `ms`, firing each timer at its exact moment, one turn per moment. */
export async function advanceClock(clock: Pick<DrivenClock, 'now' | 'next' | 'set'>, ms: number) {
  const target = clock.now() + ms;
  await turn();
  for (;;) {
    const next = clock.next();
    if (next > target) break;
    clock.set(Math.max(clock.now(), next));
    // The fake actors and the store actor settle in microtasks: one macrotask turn drains them.
    await turn();
  }
  if (clock.now() < target) clock.set(target);
  await turn();
}

/** Builds a fleet of `servers` OAuth upstreams whose tokens were issued over the last lifetime. */
export function createSimFleet(options: SimFleetOptions): SimFleet {
  const clock = options.clock === 'heap' ? new HeapClock() : xstateClock();
  const now = () => T0 + clock.now();
  const store = new MemoryTokenStore(now);
  const random = seededRandom(options.seed ?? 7);
  const ttlMs = options.ttlS * 1000;
  const names = Array.from({ length: options.servers }, (_, i) => `s${String(i).padStart(4, '0')}`);
  const specs: ServerSpec[] = names.map((name) => ({
    entry: oauthEntry(name),
    serverKey: `${name}_0123456789abcdef`,
  }));
  let counter = 0;
  const issuers = Math.max(1, options.issuers ?? 10);
  const issue = (name: string) => {
    counter += 1;
    return {
      access_token: `at-${counter}`,
      token_type: 'Bearer',
      expires_in: options.ttlS,
      refresh_token: `rt-${counter}`,
      issuer: `https://as${Number(name.slice(1)) % issuers}.example`,
    };
  };
  for (const spec of specs) {
    // Tokens issued at a random moment of the last lifetime: refreshes spread over the cycle.
    const issuedAt = T0 - Math.floor(random() * ttlMs * 0.75);
    const base = { ...emptyRecord(spec.serverKey, spec.entry.name, spec.entry.url), generation: 1 };
    store.seed({
      ...withTokens(base, issue(spec.entry.name), issuedAt),
      registration: { client_id: `c-${spec.entry.name}` },
    });
  }

  let refreshes = 0;
  const upstream = upstreamMachine.provide({
    actors: {
      connect: fromPromise<ConnectOutput, ConnectInput>(async () => ({
        session: fakeSession(),
        tools: TOOLS,
      })),
      refresh: fromPromise<RefreshOutput, RefreshInput>(async ({ input }) => {
        refreshes += 1;
        options.onRefresh?.(input.entry.name, now(), input.record);
        return {
          kind: 'issued',
          record: withTokens(input.record, issue(input.entry.name), now()),
          redeemedGeneration: input.record.generation,
        };
      }),
      session: fromCallback<EventObject, { session: UpstreamSession }>(() => undefined),
    },
  });
  const silent = createLogger({ level: 'info', destination: discard(), pretty: false });
  const observer = options.observer
    ? createUpstreamObserver({
        logger: silent,
        metrics: createMetrics({ defaultMetrics: false }),
        events: new EventHub<ProxyEvent>(),
        now,
      })
    : null;
  let ids = 0;
  const supervisor = createActor(
    supervisorMachine.provide({ actors: { upstream, store: createStoreActor(store, silent) } }),
    {
      clock,
      input: {
        servers: specs,
        settings: {
          threshold: options.threshold ?? 0.8,
          minIntervalMs: options.minIntervalMs ?? 10_000,
        },
        maxJitter: options.maxJitter ?? 0.05,
        jitterSeed: 0x6d63,
        env: { now, newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}` },
      },
    },
  );
  // As cli/daemon.ts wires them: the observer follows the upstream actors, the inspection hub
  // inspects while someone subscribes (nobody does here).
  if (observer) {
    observer.watch(supervisor);
    createInspectionHub().attach(supervisor);
  }

  const children = () =>
    Object.values(
      (supervisor.getSnapshot().context as { children: Record<string, AnyActorRef> }).children,
    );

  return {
    clock,
    store,
    names,
    now,
    get refreshes() {
      return refreshes;
    },
    async start() {
      supervisor.start();
      for (let i = 0; i < 100 && children().length < names.length; i++) await turn();
      await turn();
    },
    advance(ms) {
      return advanceClock(clock, ms);
    },
    context(name) {
      const ref = supervisor.system.get(`upstream:${name}`) as AnyActorRef | undefined;
      if (!ref) throw new Error(`no actor for ${name}`);
      return ref.getSnapshot().context as UpstreamContext;
    },
    states() {
      const counts: Record<string, number> = {};
      for (const child of children()) {
        const path = statePath(child.getSnapshot().value);
        counts[path] = (counts[path] ?? 0) + 1;
      }
      return counts;
    },
    stop() {
      // As serve stops on SIGTERM (cli/daemon.ts).
      supervisor.send({ type: 'supervisor.stop' });
      supervisor.stop();
    },
  };
}
