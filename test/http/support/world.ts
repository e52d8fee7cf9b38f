/**
 * @module A live supervisor for the HTTP tests: the real machines under SimulatedClock (no timer
 * fires unless a test moves the clock), an in-memory store, and fake connect/refresh/login
 * actors whose sessions echo. The observer publishes SSE events and metrics as in production.
 */
import { createActor, fromCallback, fromPromise, SimulatedClock, type AnyActorRef } from 'xstate';
import { supervisorMachine } from '../../../machines/supervisor/supervisor.machine.js';
import type { StoreCommand, StoreReport } from '../../../machines/supervisor/supervisor.types.js';
import {
  emptyRecord,
  withTokens,
  type TokenRecord,
} from '../../../machines/upstream/token-record.js';
import { upstreamMachine } from '../../../machines/upstream/upstream.machine.js';
import type {
  ConnectInput,
  ConnectOutput,
  LoginInput,
  LoginOutput,
  RefreshInput,
  RefreshOutput,
  SessionEvent,
  ToolInfo,
} from '../../../machines/upstream/upstream.types.js';
import { EventHub, type ProxyEvent } from '../../../services/events/proxy-events.js';
import { createMetrics } from '../../../services/metrics/metrics.js';
import { createUpstreamObserver } from '../../../services/observer/upstream-observer.js';
import {
  MemoryStore,
  oauthEntry,
  plainEntry,
  recordWithToken,
  spec,
  T0,
} from '../../helpers/machine-harness.js';
import { EchoSession, ECHO_TOOLS } from './echo-session.js';
import { memoryLogger, type MemoryLogger } from './memory-logger.js';

/** How the fake login actor behaves. */
export type LoginMode =
  | 'url-then-wait' // reports a URL, then waits for completeLogins()
  | 'fail-before-url' // fails before any URL (discovery failed)
  | 'no-url' // completes at once without a browser
  | 'hang'; // no URL, waits for completeLogins()

export interface WorldOptions {
  /** Keep the supervisor in `starting` (the store never answers loads). */
  holdLoads?: boolean;
  /** Extra tools per server name (default ECHO_TOOLS). */
  tools?: Record<string, ToolInfo[]>;
  /** Servers to configure (default: the standard four). */
  servers?: 'standard' | 'none';
}

/** The standard servers: `plain` (no OAuth, connected), `github` (OAuth, authenticated),
 * `locked` (OAuth, no token: loginRequired), `off` (disabled: idle). */
export const STANDARD = ['github', 'locked', 'off', 'plain'] as const;

export class World {
  readonly clock = new SimulatedClock();
  readonly now = () => T0 + this.clock.now();
  readonly store = new MemoryStore();
  readonly events = new EventHub<ProxyEvent>();
  readonly metrics = createMetrics({ defaultMetrics: false });
  readonly log: MemoryLogger = memoryLogger();
  readonly sessions = new Map<string, EchoSession>();
  readonly notifiers = new Map<string, (event: SessionEvent) => void>();
  loginMode: LoginMode = 'url-then-wait';
  loginCalls = 0;
  private loginWaiters: Array<() => void> = [];
  private ids = 0;
  readonly supervisor;
  readonly observer;

  constructor(readonly options: WorldOptions = {}) {
    this.observer = createUpstreamObserver({
      logger: this.log.logger,
      metrics: this.metrics,
      events: this.events,
      now: this.now,
    });
    const github = spec(oauthEntry('github'));
    this.store.records.set(
      github.serverKey,
      recordWithToken(github.serverKey, 'github', this.now(), 3600),
    );
    const servers =
      options.servers === 'none'
        ? []
        : [
            github,
            spec(oauthEntry('locked')),
            spec({ ...plainEntry('off'), enabled: false }),
            spec(plainEntry('plain')),
          ];
    const upstream = upstreamMachine.provide({ actors: this.actors() });
    this.supervisor = createActor(
      supervisorMachine.provide({ actors: { upstream, store: this.storeLogic() } }),
      {
        clock: this.clock,
        input: {
          servers,
          settings: { threshold: 0.8, minIntervalMs: 10_000 },
          maxJitter: 0,
          jitterSeed: 1,
          env: {
            now: this.now,
            newId: () => `00000000-0000-4000-8000-${String(++this.ids).padStart(12, '0')}`,
          },
        },
      },
    );
  }

  /** Starts the supervisor and waits until every enabled server settled. */
  async start(): Promise<this> {
    this.observer.watch(this.supervisor);
    this.supervisor.start();
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    return this;
  }

  child(name: string): AnyActorRef {
    const ref = this.supervisor.system.get(`upstream:${name}`);
    if (!ref) throw new Error(`no child ${name}`);
    return ref as AnyActorRef;
  }

  /** Lets waiting logins finish. */
  completeLogins(): void {
    const waiting = this.loginWaiters;
    this.loginWaiters = [];
    for (const resolve of waiting) resolve();
  }

  stop(): void {
    this.completeLogins();
    this.supervisor.stop();
  }

  private actors() {
    return {
      connect: fromPromise<ConnectOutput, ConnectInput>(async ({ input }) => {
        const tools = this.options.tools?.[input.entry.name] ?? ECHO_TOOLS;
        const session = new EchoSession(tools);
        this.sessions.set(input.entry.name, session);
        this.notifiers.set(input.entry.name, input.notify);
        return { session, tools };
      }),
      refresh: fromPromise<RefreshOutput, RefreshInput>(async ({ input }) => ({
        kind: 'issued',
        record: withTokens(input.record, this.token(), this.now()),
        redeemedGeneration: input.record.generation,
      })),
      login: fromPromise<LoginOutput, LoginInput>(async ({ input }) => {
        this.loginCalls += 1;
        if (this.loginMode === 'fail-before-url') {
          throw {
            result: 'failed_other',
            message: 'no authorization server metadata',
            oauthError: true,
          };
        }
        if (this.loginMode === 'url-then-wait') {
          input.onAuthUrl(
            `https://as.example/authorize?client_id=c&state=s${this.loginCalls}&code_challenge=x`,
          );
        }
        if (this.loginMode === 'url-then-wait' || this.loginMode === 'hang') {
          await new Promise<void>((resolve) => this.loginWaiters.push(resolve));
        }
        const base =
          input.record ?? emptyRecord(input.serverKey, input.entry.name, input.entry.url);
        return { record: withTokens(base, this.token(), this.now()) };
      }),
    };
  }

  private token() {
    this.ids += 1;
    return {
      access_token: `at-${this.ids}`,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: `rt-${this.ids}`,
    };
  }

  private storeLogic() {
    const { store, options } = this;
    return fromCallback<StoreCommand, unknown>(({ sendBack, receive }) => {
      receive((command) => {
        if (command.type === 'store.load' && options.holdLoads) return;
        queueMicrotask(() => {
          const report = handle(command);
          if (report) sendBack(report);
        });
      });
      function handle(command: StoreCommand): StoreReport | null {
        if (command.type === 'store.load') {
          const record = store.records.get(command.serverKey);
          const result = record
            ? { status: 'found' as const, record }
            : { status: 'missing' as const };
          return { type: 'store.loaded', name: command.name, serverKey: command.serverKey, result };
        }
        if (command.type === 'store.save') {
          const saved = store.put(command.record, null);
          if (!saved.ok) return null;
          return {
            type: 'store.saved',
            name: command.name,
            kind: command.kind,
            record: saved.record as TokenRecord,
          };
        }
        return null;
      }
    });
  }
}
