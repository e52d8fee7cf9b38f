/**
 * @module The floor of the actor-scale bench: SPEC §1's refresh round trip with nothing else in
 * it. Empty XState machines exchange the same eight events per refresh as the real ones (the
 * timer, `refresh.run`, `refresh.done`, `refresh.cancel`, `token.issued`, `store.save`,
 * `store.saved`, `token.persisted`), on the same clock, with the same number of actors and the
 * same refresh period, so the real fleet's cost can be read against what XState alone costs.
 */
import { Writable } from 'node:stream';
import {
  assign,
  createActor,
  enqueueActions,
  fromCallback,
  sendParent,
  sendTo,
  setup,
  type AnyActorRef,
} from 'xstate';
import { createLogger } from '../../services/logger/index.js';
import { HeapClock } from './sim-clock.js';
import { advanceClock, turn } from './sim-world.js';
import { seededRandom } from './stats.js';

export interface FloorOptions {
  servers: number;
  /** Access-token lifetime in seconds; refreshes come at 80 % of it. */
  ttlS: number;
  /** Simulated hours to run. */
  hours: number;
  /** Also write SPEC §3's three info lines per refresh (pino at info into a discarding stream). */
  lines: boolean;
}

export interface FloorResult {
  refreshes: number;
  wallMs: number;
  cpuMs: number;
}

interface Tokens {
  generation: number;
  access_token: string;
  refresh_token: string;
}

type RefresherCommand = { type: 'refresh.run'; tokens: Tokens } | { type: 'refresh.cancel' };
type StoreCommand = { type: 'store.save'; name: string; tokens: Tokens; expected: number };

const HOUR = 3600_000;

/** Runs the empty-machine fleet for `hours` simulated hours; answers its cost. */
export async function runProtocolFloor(options: FloorOptions): Promise<FloorResult> {
  const clock = new HeapClock();
  const random = seededRandom(11);
  const periodMs = options.ttlS * 1000 * 0.8;
  const logger = createLogger({
    level: 'info',
    pretty: false,
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  const log = (server: string, message: string) => {
    if (options.lines)
      logger.info({ server, correlation_id: 'c', refresh_at: clock.now() }, message);
  };
  let refreshes = 0;

  const refresher = fromCallback<RefresherCommand>(({ receive, sendBack }) => {
    let running = 0;
    receive((command) => {
      running += 1;
      if (command.type === 'refresh.cancel') return;
      const attempt = running;
      refreshes += 1;
      void Promise.resolve().then(() => {
        if (attempt !== running) return;
        const { generation } = command.tokens;
        sendBack({
          type: 'refresh.done',
          tokens: { generation, access_token: `at-${refreshes}`, refresh_token: `rt-${refreshes}` },
        });
      });
    });
  });

  const upstream = setup({
    types: {} as {
      context: { name: string; tokens: Tokens; delay: number };
      input: { name: string; delay: number };
      events:
        { type: 'refresh.done'; tokens: Tokens } | { type: 'token.persisted'; tokens: Tokens };
    },
    actors: { refresher },
    delays: { refreshDelay: ({ context }) => context.delay },
    actions: {
      logScheduled: ({ context }) => log(context.name, 'OAuth token refresh scheduled'),
      logAttempt: ({ context }) => log(context.name, 'OAuth token refresh attempt'),
      logSucceeded: ({ context }) => log(context.name, 'OAuth token refresh succeeded'),
    },
  }).createMachine({
    context: ({ input }) => ({
      name: input.name,
      delay: input.delay,
      tokens: { generation: 1, access_token: 'at', refresh_token: 'rt' },
    }),
    invoke: { src: 'refresher', id: 'refresher' },
    initial: 'refreshScheduled',
    states: {
      refreshScheduled: {
        entry: 'logScheduled',
        after: { refreshDelay: 'refreshing' },
      },
      refreshing: {
        entry: [
          'logAttempt',
          sendTo('refresher', ({ context }) => ({
            type: 'refresh.run' as const,
            tokens: context.tokens,
          })),
        ],
        exit: sendTo('refresher', { type: 'refresh.cancel' as const }),
        on: {
          'refresh.done': {
            actions: sendParent(({ context, event }) => ({
              type: 'token.issued',
              name: context.name,
              tokens: event.tokens,
              expected: context.tokens.generation,
            })),
          },
          'token.persisted': {
            target: 'refreshScheduled',
            actions: [
              assign({ tokens: ({ event }) => event.tokens, delay: periodMs }),
              'logSucceeded',
            ],
          },
        },
      },
    },
  });

  const store = fromCallback<StoreCommand>(({ receive, sendBack }) => {
    const generations = new Map<string, number>();
    receive((command) => {
      void Promise.resolve().then(() => {
        const current = generations.get(command.name) ?? 1;
        if (current !== command.expected) return;
        const tokens = { ...command.tokens, generation: current + 1 };
        generations.set(command.name, tokens.generation);
        sendBack({ type: 'store.saved', name: command.name, tokens });
      });
    });
  });

  const names = Array.from({ length: options.servers }, (_, i) => `s${i}`);
  const supervisor = setup({
    types: {} as {
      context: { children: Record<string, AnyActorRef> };
      events:
        | { type: 'token.issued'; name: string; tokens: Tokens; expected: number }
        | { type: 'store.saved'; name: string; tokens: Tokens };
    },
    actors: { upstream, store },
  }).createMachine({
    context: ({ spawn }) => ({
      children: Object.fromEntries(
        names.map((name) => [
          name,
          spawn('upstream', {
            id: name,
            // Tokens issued at a random moment of the last period: refreshes spread over it.
            input: { name, delay: Math.floor(random() * periodMs) },
          }),
        ]),
      ),
    }),
    invoke: { src: 'store', id: 'store' },
    on: {
      'token.issued': {
        actions: sendTo('store', ({ event }) => ({
          type: 'store.save' as const,
          name: event.name,
          tokens: event.tokens,
          expected: event.expected,
        })),
      },
      'store.saved': {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const child = context.children[event.name];
          if (child) enqueue.sendTo(child, { type: 'token.persisted', tokens: event.tokens });
        }),
      },
    },
  });

  const actor = createActor(supervisor, { clock });
  actor.start();
  await turn();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let at = 0; at < options.hours * HOUR; at += HOUR) await advanceClock(clock, HOUR);
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  actor.stop();
  return { refreshes, wallMs, cpuMs: (used.user + used.system) / 1000 };
}
