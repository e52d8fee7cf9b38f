/**
 * @module Test harness for the machines: a supervisor under SimulatedClock with an in-memory
 * store and a fake authorization server behind provide()d connect/refresh/login actors.
 */
import { createActor, fromCallback, fromPromise, SimulatedClock, type AnyActorRef } from 'xstate';
import { withTokens, emptyRecord, type TokenRecord } from '../../machines/upstream/token-record.js';
import { upstreamMachine } from '../../machines/upstream/upstream.machine.js';
import type {
  ClassifiedFailure,
  ConnectInput,
  ConnectOutput,
  LoginInput,
  LoginOutput,
  RefreshInput,
  RefreshOutput,
  UpstreamSession,
} from '../../machines/upstream/upstream.types.js';
import { statePath } from '../../machines/upstream/health.js';
import { supervisorMachine } from '../../machines/supervisor/supervisor.machine.js';
import type {
  ServerSpec,
  StoreCommand,
  StoreReport,
} from '../../machines/supervisor/supervisor.types.js';
import { createAsBudget, type AsBudget } from '../../services/runtime/as-budget.js';
import { T0 } from './machine-fixtures.js';

export {
  oauthEntry,
  plainEntry,
  recordWithToken,
  spec,
  T0,
  upstreamContext,
} from './machine-fixtures.js';

export type FakeMode = 'ok' | ClassifiedFailure;

/** An in-memory authorization server + upstream the fake actors talk to. */
export class FakeWorld {
  refreshCalls: Array<{ name: string; at: number; refreshToken: string | undefined }> = [];
  loginCalls: Array<{ name: string; at: number }> = [];
  connectCalls: Array<{ name: string; at: number }> = [];
  refreshMode: FakeMode = 'ok';
  connectMode: FakeMode = 'ok';
  loginMode: FakeMode = 'ok';
  accessTtlS = 180;
  rotate = true;
  /** When set, login waits until `completeLogin()` is called. */
  manualLogin = false;
  /** When set, the fake AS answers 429 to refreshes beyond this many per rolling minute. */
  rateLimitPerMinute: number | null = null;
  /** Refreshes the fake AS refused with 429 (rate limit). */
  rateLimited: Array<{ name: string; at: number }> = [];
  /** When set, the next refresh finds this newer record in the store and adopts it (no request). */
  storeHasNewer: TokenRecord | null = null;
  private pendingLogins: Array<() => void> = [];
  private counter = 0;
  constructor(readonly now: () => number) {}

  issue(extra: Record<string, unknown> = {}) {
    this.counter += 1;
    return {
      access_token: `at-${this.counter}`,
      token_type: 'Bearer',
      expires_in: this.accessTtlS,
      refresh_token: `rt-${this.counter}`,
      ...extra,
    };
  }

  /** Whether one more refresh at `at` exceeds the fake AS's rate limit. */
  overRateLimit(at: number): boolean {
    if (this.rateLimitPerMinute === null) return false;
    const recent = this.refreshCalls.filter((c) => c.at > at - 60_000 && c.at <= at).length;
    return recent > this.rateLimitPerMinute;
  }

  completeLogins() {
    const waiting = this.pendingLogins;
    this.pendingLogins = [];
    for (const resolve of waiting) resolve();
  }

  waitForLogin(): Promise<void> {
    return new Promise((resolve) => this.pendingLogins.push(resolve));
  }
}

function fail(mode: FakeMode): void {
  if (mode !== 'ok') throw mode;
}

const fakeSession = (): UpstreamSession => ({
  callTool: async (name, args) => ({
    content: [{ type: 'text', text: `${name}:${JSON.stringify(args)}` }],
  }),
  listTools: async () => [{ name: 'echo', inputSchema: { type: 'object' } }],
  close: async () => undefined,
});

/** An in-memory store with generation CAS semantics, plus a switch to make commits fail. */
export class MemoryStore {
  records = new Map<string, TokenRecord>();
  failCommits = false;
  commits: Array<{ name: string; kind: string; generation: number }> = [];

  put(
    record: TokenRecord,
    expected: number | null,
  ): { ok: true; record: TokenRecord } | { ok: false; current: TokenRecord | null } {
    const current = this.records.get(record.server_key) ?? null;
    const currentGen = current?.generation ?? 0;
    if (expected !== null && expected !== currentGen) return { ok: false, current };
    const stored = { ...record, generation: currentGen + 1 };
    this.records.set(record.server_key, stored);
    return { ok: true, record: stored };
  }
}

export interface Harness {
  clock: SimulatedClock;
  world: FakeWorld;
  store: MemoryStore;
  /** The per-issuer budget the fake refresh awaits (when `budgetPerMinute` was given). */
  budget: AsBudget | null;
  supervisor: ReturnType<typeof createActor<typeof supervisorMachine>>;
  child(name: string): AnyActorRef;
  state(name: string): string;
  /** Advances simulated time timer by timer, letting promises settle after each. */
  advance(ms: number): Promise<void>;
  settle(): Promise<void>;
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function createHarness(options: {
  servers: ServerSpec[];
  records?: TokenRecord[];
  corrupt?: Record<string, string>;
  minIntervalMs?: number;
  threshold?: number;
  maxJitter?: number;
  jitterSeed?: number;
  /** Token-endpoint requests per minute per issuer; the fake refresh awaits this budget. */
  budgetPerMinute?: number;
  configure?: (world: FakeWorld, store: MemoryStore) => void;
}): Harness {
  const clock = new SimulatedClock();
  const now = () => T0 + clock.now();
  const budget =
    options.budgetPerMinute === undefined
      ? null
      : createAsBudget({
          perMinute: options.budgetPerMinute,
          clock: {
            now,
            setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
            clearTimeout: (id) => clock.clearTimeout(id as number),
          },
        });
  const world = new FakeWorld(now);
  const store = new MemoryStore();
  for (const r of options.records ?? []) store.records.set(r.server_key, r);
  options.configure?.(world, store);
  let ids = 0;

  const upstream = upstreamMachine.provide({
    actors: {
      connect: fromPromise<ConnectOutput, ConnectInput>(async ({ input }) => {
        world.connectCalls.push({ name: input.entry.name, at: now() });
        fail(world.connectMode);
        return {
          session: fakeSession(),
          tools: [{ name: 'echo', inputSchema: { type: 'object' } }],
        };
      }),
      refresh: fromPromise<RefreshOutput, RefreshInput>(async ({ input, signal }) => {
        if (world.storeHasNewer) {
          const record = world.storeHasNewer;
          world.storeHasNewer = null;
          return { kind: 'adopted', record };
        }
        await budget?.take(
          input.record.issuer ?? 'https://as.example',
          signal,
          input.record.expires_at ?? Infinity,
        );
        world.refreshCalls.push({
          name: input.entry.name,
          at: now(),
          refreshToken: input.record.tokens?.refresh_token,
        });
        if (world.overRateLimit(now())) {
          world.rateLimited.push({ name: input.entry.name, at: now() });
          throw {
            result: 'failed_server_error',
            message: 'Token endpoint answered HTTP 429',
            retryAfterMs: 60_000,
          };
        }
        fail(world.refreshMode);
        const response = world.issue();
        if (!world.rotate) delete (response as { refresh_token?: string }).refresh_token;
        return {
          kind: 'issued',
          record: withTokens(input.record, response, now()),
          redeemedGeneration: input.record.generation,
        };
      }),
      login: fromPromise<LoginOutput, LoginInput>(async ({ input }) => {
        world.loginCalls.push({ name: input.entry.name, at: now() });
        input.onAuthUrl(
          `https://as.example/authorize?client_id=c&state=s-${world.loginCalls.length}`,
        );
        if (world.manualLogin) await world.waitForLogin();
        fail(world.loginMode);
        const base =
          input.record ?? emptyRecord(input.serverKey, input.entry.name, input.entry.url);
        return { record: withTokens(base, world.issue(), now()) };
      }),
    },
  });

  const storeLogic = fromCallback<StoreCommand, unknown>(({ sendBack, receive }) => {
    receive((command) => {
      queueMicrotask(() => {
        const report = handle(command);
        if (report) sendBack(report);
      });
    });
    function handle(command: StoreCommand): StoreReport | null {
      switch (command.type) {
        case 'store.load': {
          const corrupt = options.corrupt?.[command.serverKey];
          if (corrupt)
            return {
              type: 'store.loaded',
              name: command.name,
              serverKey: command.serverKey,
              result: { status: 'corrupt', error: corrupt },
            };
          const record = store.records.get(command.serverKey);
          return {
            type: 'store.loaded',
            name: command.name,
            serverKey: command.serverKey,
            result: record ? { status: 'found', record } : { status: 'missing' },
          };
        }
        case 'store.save': {
          if (store.failCommits) {
            return {
              type: 'store.save_failed',
              name: command.name,
              kind: command.kind,
              error: 'disk full',
              current: store.records.get(command.record.server_key) ?? null,
            };
          }
          // Refreshes and refresh outcomes compare-and-swap, as services/runtime/store-actor.ts.
          const result = store.put(command.record, command.expectedGeneration);
          if (!result.ok) {
            return {
              type: 'store.save_failed',
              name: command.name,
              kind: command.kind,
              error: 'generation changed',
              current: result.current,
            };
          }
          store.commits.push({
            name: command.name,
            kind: command.kind,
            generation: result.record.generation,
          });
          return {
            type: 'store.saved',
            name: command.name,
            kind: command.kind,
            record: result.record,
          };
        }
        case 'store.clear': {
          const current = store.records.get(command.serverKey);
          if (current)
            store.records.set(command.serverKey, {
              ...current,
              tokens: null,
              generation: current.generation + 1,
            });
          return null;
        }
      }
    }
  });

  const supervisor = createActor(
    supervisorMachine.provide({ actors: { upstream, store: storeLogic } }),
    {
      clock,
      input: {
        servers: options.servers,
        settings: {
          threshold: options.threshold ?? 0.8,
          minIntervalMs: options.minIntervalMs ?? 10_000,
        },
        maxJitter: options.maxJitter ?? 0,
        jitterSeed: options.jitterSeed ?? 1,
        env: { now, newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}` },
      },
    },
  );

  const child = (name: string) => {
    const ref = supervisor.system.get(`upstream:${name}`);
    if (!ref) throw new Error(`no child ${name}`);
    return ref as AnyActorRef;
  };
  return {
    clock,
    world,
    store,
    budget,
    supervisor,
    child,
    state: (name) => statePath(child(name).getSnapshot().value),
    settle,
    async advance(ms) {
      // Jump from timer to timer so every `after` fires at its exact simulated moment.
      const timeouts = (
        clock as unknown as { timeouts: Map<number, { start: number; timeout: number }> }
      ).timeouts;
      const target = clock.now() + ms;
      await settle();
      for (let i = 0; i < 1_000_000; i++) {
        let next = Infinity;
        for (const t of timeouts.values()) next = Math.min(next, t.start + t.timeout);
        if (next > target) break;
        clock.set(Math.max(clock.now(), next));
        await settle();
      }
      if (clock.now() < target) clock.set(target);
      await settle();
    },
  };
}
