/** @module Tests for `createLogger`: real pino into a memory stream, nothing secret gets out. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, isLogLevel } from '../../../services/logger/index.js';
import type { CreateLoggerOptions } from '../../../services/logger/index.js';

const SECRETS = {
  access: 'at-7d1e0c5b',
  refresh: 'rt-93aa61f2',
  client: 'cs-5be0d4a8',
  code: 'ac-0f3c77e1',
  state: 'st-c14b9d02',
  pg: 'pg-pw-6e2f11',
  bearer: 'br-1a2b3c4d',
  cookie: 'ck-88e0aa19',
};

/** A real pino logger writing into memory. */
function capture(options: Omit<CreateLoggerOptions, 'destination'> = {}) {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ pretty: false, ...options, destination });
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return { logger, text: () => chunks.join(''), flush };
}

/** Logs every kind of secret the proxy handles, in every position pino accepts. */
function logEverything(logger: ReturnType<typeof createLogger>): void {
  const tokens = { access_token: SECRETS.access, refresh_token: SECRETS.refresh, expires_in: 3600 };
  logger.info({ server: 'github', tokens }, 'OAuth token refresh succeeded');
  logger.debug(
    {
      request: {
        method: 'POST',
        url: `https://as.example/token?code=${SECRETS.code}&state=${SECRETS.state}`,
        headers: { Authorization: `Bearer ${SECRETS.bearer}`, Cookie: SECRETS.cookie },
        body: { grant_type: 'authorization_code', client_secret: SECRETS.client },
      },
      deep: [[{ a: { b: { c: { d: { e: { f: { id_token: SECRETS.access } } } } } } }]],
    },
    'OAuth HTTP request',
  );
  logger.warn(`store postgres://mcp:${SECRETS.pg}@db/mcp unavailable`);
  logger.warn('callback %s', `http://127.0.0.1:5000/oauth/callback?code=${SECRETS.code}`);
  const err = Object.assign(new Error(`refresh failed: Bearer ${SECRETS.bearer}`), {
    code: 'ECONNRESET',
  });
  logger.error({ server: 'github', err }, 'OAuth token refresh failed');
  logger.error(err);
  logger.child({ server: 'github', api_key: SECRETS.client }).info('child line');
}

describe('createLogger', () => {
  it('writes JSON lines without any secret substring', async () => {
    const { logger, text, flush } = capture({ level: 'debug' });
    logEverything(logger);
    await flush();
    const out = text();
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(7);
    for (const secret of Object.values(SECRETS)) expect(out).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      msg: 'OAuth token refresh succeeded',
      server: 'github',
      tokens: { access_token: '[REDACTED]', refresh_token: '[REDACTED]', expires_in: 3600 },
    });
    expect(lines[1].request.headers).toEqual({ Authorization: '[REDACTED]', Cookie: '[REDACTED]' });
    expect(lines[2].msg).toBe('store postgres://mcp:[REDACTED]@db/mcp unavailable');
    expect(lines[6]).toMatchObject({ server: 'github', api_key: '[REDACTED]' });
  });

  it('logs errors as type, message and code, with a stack only at trace', async () => {
    const info = capture({ level: 'info' });
    info.logger.error({ err: new TypeError('fetch failed') }, 'OAuth token refresh failed');
    const trace = capture({ level: 'trace' });
    trace.logger.error({ err: new TypeError('fetch failed') }, 'OAuth token refresh failed');
    await Promise.all([info.flush(), trace.flush()]);
    expect(JSON.parse(info.text()).err).toEqual({ type: 'TypeError', message: 'fetch failed' });
    expect(JSON.parse(trace.text()).err.stack).toContain('TypeError: fetch failed');
  });

  it('derives the message of a bare error from its scrubbed text', async () => {
    const { logger, text, flush } = capture();
    logger.error(new Error(`denied ?code=${SECRETS.code}`));
    await flush();
    expect(JSON.parse(text())).toMatchObject({ msg: 'denied ?code=[REDACTED]' });
  });

  it('honours the level', async () => {
    const { logger, text, flush } = capture({ level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    await flush();
    expect(text()).not.toContain('hidden');
    expect(text()).toContain('shown');
  });

  it('pretty output is redacted too, and colourless under NO_COLOR', async () => {
    const { logger, text, flush } = capture({
      pretty: true,
      level: 'debug',
      env: { NO_COLOR: '1' },
    });
    logEverything(logger);
    await flush();
    const out = text();
    expect(out).toContain('OAuth token refresh succeeded');
    for (const secret of Object.values(SECRETS)) expect(out).not.toContain(secret);
    expect(out).not.toMatch(/\u001b\[/);
  });
});

describe('isLogLevel', () => {
  it('accepts the five CLI levels only', () => {
    expect(['trace', 'debug', 'info', 'warn', 'error'].every(isLogLevel)).toBe(true);
    expect(isLogLevel('fatal')).toBe(false);
    expect(isLogLevel(3)).toBe(false);
  });
});

describe('createLogger: time', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stamps each line with the RFC 3339 time it was written, to the millisecond', async () => {
    const { logger, text, flush } = capture();
    const now = vi.spyOn(Date, 'now');
    for (const ms of [Date.UTC(2026, 10, 26, 7, 0, 0, 1), Date.UTC(2026, 10, 26, 7, 0, 0, 1)]) {
      now.mockReturnValueOnce(ms);
      logger.info('same millisecond');
    }
    now.mockReturnValueOnce(Date.UTC(2026, 10, 26, 7, 0, 0, 2));
    logger.info('next millisecond');
    now.mockReturnValueOnce(Date.UTC(2027, 0, 1));
    logger.info('next year');
    await flush();
    const times = text()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { time: string }).time);
    expect(times).toEqual([
      '2026-11-26T07:00:00.001Z',
      '2026-11-26T07:00:00.001Z',
      '2026-11-26T07:00:00.002Z',
      '2027-01-01T00:00:00.000Z',
    ]);
  });
});
