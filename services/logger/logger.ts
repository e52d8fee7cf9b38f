/**
 * @module The process logger: pino, JSON lines (pretty in a TTY), every line redacted at every
 * depth before it is written: objects, messages, format arguments and child bindings.
 */
import { pino } from 'pino';
import type {
  Bindings,
  ChildLoggerOptions,
  DestinationStream,
  LogFn,
  Logger as PinoLogger,
  LoggerOptions,
} from 'pino';
import { createRequire } from 'node:module';
import { redact } from './redact.js';
import { redactString } from './redact-string.js';

/** The log levels of `--log-level`, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export type Logger = PinoLogger;

export interface CreateLoggerOptions {
  /** Default `info`. At `trace`, logged errors keep their (scrubbed) stack. */
  level?: LogLevel;
  /** Human-readable output via pino-pretty. Default: stdout is a TTY and no `destination`. */
  pretty?: boolean;
  /** Where lines go (tests pass a memory stream). Default stdout. */
  destination?: DestinationStream;
  /** Environment for `NO_COLOR`. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** True when `value` is one of {@link LOG_LEVELS}. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Creates the pino logger every component uses (`logger.child({ server })`). Secrets never
 * reach the destination: see `redact` and `redactString` for what is scrubbed.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const pretty =
    options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  let root: Logger | undefined;
  const includeStack = (): boolean => root?.isLevelEnabled('trace') ?? false;
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    timestamp: isoTime,
    // The formatter below already turned errors into plain objects; pino's default `err`
    // serializer would re-add the stack and rename the type.
    serializers: { err: (value: unknown) => value },
    formatters: {
      log: (obj) => redact(obj, { includeStack: includeStack() }) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args: unknown[], method: LogFn) {
        (method as (...a: unknown[]) => void).apply(this, redactArgs(args));
      },
    },
  };
  const destination = pretty
    ? loadPinoPretty()({
        colorize: !noColor(env),
        destination: options.destination ?? 1,
        sync: true,
      })
    : options.destination;
  root = destination ? pino(pinoOptions, destination) : pino(pinoOptions);
  redactBindings(root);
  return root;
}

let lastMs = Number.NaN;
let lastTime = '';

/**
 * pino's `stdTimeFunctions.isoTime`, formatting each millisecond once: lines come in bursts
 * (each token refresh writes three), and `toISOString` was an eighth of what a line cost.
 */
function isoTime(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastTime = `,"time":"${new Date(ms).toISOString()}"`;
  }
  return lastTime;
}

/** pino-pretty, loaded only for pretty output (≈ 30 ms of every start otherwise, `--help` too). */
function loadPinoPretty(): typeof import('pino-pretty').build {
  return createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty').build;
}

/**
 * pino formats child bindings once, with an identity formatter for children, so redact them on
 * the way in. Children are `Object.create(parent)`: they inherit these wrappers.
 */
function redactBindings(root: Logger): void {
  const { child, setBindings } = root;
  root.child = function <L extends string = never>(
    this: Logger,
    bindings: Bindings,
    options?: ChildLoggerOptions<L>,
  ): PinoLogger<L> {
    return child.call<Logger, [Bindings, ChildLoggerOptions<L>?], PinoLogger<L>>(
      this,
      redact(bindings) as Bindings,
      options,
    );
  };
  root.setBindings = function (this: Logger, bindings: Bindings) {
    setBindings.call(this, redact(bindings) as Bindings);
  };
}

/** Scrubs the message, format arguments, and the message pino derives from a logged error. */
function redactArgs(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  const tail = rest.map((arg) => (typeof arg === 'string' ? redactString(arg) : redact(arg)));
  if (first instanceof Error) {
    return [{ err: first }, ...(tail.length > 0 ? tail : [redactString(first.message)])];
  }
  if (typeof first === 'string') return [redactString(first), ...tail];
  const err = (first as { err?: unknown } | null)?.err;
  if (tail.length === 0 && err instanceof Error) return [first, redactString(err.message)];
  return [first, ...tail];
}

/** `NO_COLOR` set to anything but the empty string disables colours (no-color.org). */
function noColor(env: Record<string, string | undefined>): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}
