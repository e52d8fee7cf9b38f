/**
 * The refresh actor against the OAuth test server: one redeem per attempt, rotation, the
 * cross-process hooks (adopt a newer record, lost race on invalid_grant), classified failures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { TokenRecord } from '../../../machines/upstream/token-record.js';
import type { RefreshOutput } from '../../../machines/upstream/upstream.types.js';
import { OAuthFlowError } from '../../../services/errors.js';
import { createRefreshActor } from '../../../services/oauth/refresh-actor.js';
import type { RefreshActorDeps } from '../../../services/oauth/refresh-actor.js';
import { startOAuthTestServer } from '../../oauthserver/index.js';
import type { OAuthTestServer, OAuthTestServerOptions } from '../../oauthserver/index.js';
import { browserLogin, captureLogger, httpEntry } from './fixtures.js';

let as: OAuthTestServer | undefined;
afterEach(async () => {
  await as?.stop();
  as = undefined;
});

/** A server and a record logged in to it (generation 1, as if committed once). */
async function loggedIn(options: OAuthTestServerOptions = {}) {
  as = await startOAuthTestServer({ port: 0, ...options });
  const entry = httpEntry(as.mcpUrl);
  const { record } = await browserLogin({ entry, record: null });
  return { server: as, entry, record: { ...record, generation: 1 } };
}

function refresh(
  deps: Partial<RefreshActorDeps>,
  entry: ReturnType<typeof httpEntry>,
  record: TokenRecord,
): Promise<RefreshOutput> {
  const logic = createRefreshActor({ logger: captureLogger().logger, ...deps });
  const actor = createActor(logic, {
    input: { entry, serverKey: 'demo_k', record, correlationId: 'corr-refresh', attempt: 0 },
  });
  actor.start();
  return toPromise(actor);
}

const refreshGrants = (server: OAuthTestServer) =>
  server.log().filter((e) => e.path === '/token' && e.grant_type === 'refresh_token');

describe('createRefreshActor', () => {
  it('without rotation: a new access token, the same refresh token, redeemed generation', async () => {
    const { server, entry, record } = await loggedIn();
    const output = await refresh({}, entry, record);

    expect(output.kind).toBe('issued');
    if (output.kind !== 'issued') return;
    expect(output.redeemedGeneration).toBe(1);
    expect(output.record.tokens?.access_token).not.toBe(record.tokens?.access_token);
    expect(output.record.tokens?.refresh_token).toBe(record.tokens?.refresh_token);
    expect(output.record.tokens?.issuer).toBe(server.issuer);
    expect(refreshGrants(server)).toHaveLength(1);
  });

  it('with rotation: the new refresh token is in the record', async () => {
    const { server, entry, record } = await loggedIn({ rotateRefreshTokens: true });
    const output = await refresh({}, entry, record);

    expect(output.record.tokens?.refresh_token).not.toBe(record.tokens?.refresh_token);
    expect(refreshGrants(server)[0].issued_refresh_token_fp).toBeTruthy();
    // The rotated token works for the next refresh; the old one is retired.
    const next = await refresh({}, entry, { ...output.record, generation: 2 });
    expect(next.kind).toBe('issued');
  });

  it('keeps fields the SDK parse drops (refresh_token_expires_in → refresh_expires_at)', async () => {
    const { entry, record } = await loggedIn({
      refreshTokenTtlS: 3600,
      refreshTokenLifetimeInResponse: true,
    });
    const output = await refresh({}, entry, record);
    expect(output.record.tokens?.refresh_token_expires_in).toBeGreaterThan(0);
    expect(output.record.refresh_expires_at).toBeGreaterThan(output.record.issued_at!);
  });

  it('sends the resource indicator on refresh', async () => {
    const { server, entry, record } = await loggedIn();
    const bodies: string[] = [];
    await refresh(
      {
        fetchImpl: (url, init) => {
          if (String(url).endsWith('/token')) bodies.push(String(init?.body));
          return fetch(url, init);
        },
      },
      entry,
      record,
    );
    expect(new URLSearchParams(bodies[0]).get('resource')).toBe(server.mcpUrl);
  });

  it('servers of one authorization server fetch its metadata once, and again after a failure', async () => {
    const { server, entry, record } = await loggedIn();
    const logic = createRefreshActor({ logger: captureLogger().logger });
    const run = (serverKey: string) =>
      toPromise(
        createActor(logic, {
          input: { entry, serverKey, record, correlationId: serverKey, attempt: 0 },
        }).start(),
      );
    const metadataFetches = () =>
      server.log().filter((e) => e.path.startsWith('/.well-known/oauth-authorization-server'))
        .length;
    server.clearLog();

    const outputs = await Promise.all([run('a_k'), run('b_k'), run('c_k')]);
    expect(outputs.map((output) => output.kind)).toEqual(['issued', 'issued', 'issued']);
    expect(metadataFetches()).toBe(1);

    server.setFail({ mode: 'unavailable', grant: 'refresh_token' });
    await expect(run('d_k')).rejects.toMatchObject({ result: 'failed_server_error' });
    server.setFail({ mode: 'none' });
    expect((await run('e_k')).kind).toBe('issued');
    expect(metadataFetches()).toBe(2);
  });

  it('adopts a newer committed record from beforeRedeem without calling the AS', async () => {
    const { server, entry, record } = await loggedIn();
    const newer = { ...record, generation: 2, expires_at: Date.now() + 60_000 };
    const output = await refresh({ beforeRedeem: async () => newer }, entry, record);

    expect(output).toEqual({ kind: 'adopted', record: newer });
    expect(refreshGrants(server)).toHaveLength(0);
  });

  it('redeems as usual when beforeRedeem answers the same generation', async () => {
    const { server, entry, record } = await loggedIn();
    const output = await refresh({ beforeRedeem: async () => record }, entry, record);
    expect(output.kind).toBe('issued');
    expect(refreshGrants(server)).toHaveLength(1);
  });

  it('invalid_grant is a dead grant when the store has nothing newer', async () => {
    const { server, entry, record } = await loggedIn();
    server.setFail({ mode: 'invalid_grant', grant: 'refresh_token' });
    const failure = await refresh({ onInvalidGrant: async () => record }, entry, record).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(OAuthFlowError);
    expect(failure).toMatchObject({ result: 'failed_invalid_grant' });
  });

  it('invalid_grant with a newer rotated record is a lost race: adopted and logged', async () => {
    const { server, entry, record } = await loggedIn();
    server.setFail({ mode: 'invalid_grant', grant: 'refresh_token' });
    const rotated: TokenRecord = {
      ...record,
      generation: 2,
      tokens: { ...record.tokens!, access_token: 'at-other', refresh_token: 'rt-other' },
    };
    const { logger, lines } = captureLogger();
    const logic = createRefreshActor({ logger, onInvalidGrant: async () => rotated });
    const actor = createActor(logic, {
      input: { entry, serverKey: 'demo_k', record, correlationId: 'corr-race', attempt: 0 },
    }).start();
    const output = await toPromise(actor);

    expect(output).toEqual({ kind: 'adopted', record: rotated });
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg.startsWith('lost refresh race'));
    expect(line).toMatchObject({
      level: 30,
      msg: 'lost refresh race; using token rotated by another process',
      server: 'demo',
      correlation_id: 'corr-race',
    });
  });

  it('a 503 with Retry-After is a server error with the delay', async () => {
    const { server, entry, record } = await loggedIn();
    server.setFail({ mode: 'unavailable', retry_after: 7 });
    const failure = await refresh({}, entry, record).catch((e: unknown) => e);
    expect(failure).toMatchObject({ result: 'failed_server_error', retryAfterMs: 7000 });
  });

  it('a 503 whose Retry-After is a date years ahead is retried after 1 h at most', async () => {
    const { server, entry, record } = await loggedIn();
    server.setFail({
      mode: 'unavailable',
      retry_after: 'Wed, 21 Oct 2037 07:28:00 GMT',
      grant: 'refresh_token',
    });
    const failure = await refresh({}, entry, record).catch((e: unknown) => e);
    expect(failure).toMatchObject({ result: 'failed_server_error', retryAfterMs: 3_600_000 });
    expect((failure as Error).message).toMatch(
      /^Token endpoint answered HTTP 503 \(retry after 1h, the cap; Retry-After asked for \d+d \d+h\)\.$/,
    );
  });

  it('a hanging token endpoint times out as a network failure', async () => {
    const { server, entry, record } = await loggedIn();
    server.setFail({ mode: 'timeout' });
    const failure = await refresh({ httpTimeoutMs: 300 }, entry, record).catch((e: unknown) => e);
    expect(failure).toMatchObject({ result: 'failed_network' });
  });

  it('no refresh token is a dead grant without any request', async () => {
    const { server, entry, record } = await loggedIn();
    const bare = { ...record, tokens: { ...record.tokens!, refresh_token: undefined } };
    const failure = await refresh({}, entry, bare).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      result: 'failed_invalid_grant',
      message: 'No refresh token is stored',
    });
    expect(refreshGrants(server)).toHaveLength(0);
  });

  it('stopping the actor aborts the in-flight token request', async () => {
    const { server, entry, record } = await loggedIn();
    server.setFail({ mode: 'timeout' });
    let aborted: Promise<unknown> | undefined;
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const logic = createRefreshActor({
      logger: captureLogger().logger,
      fetchImpl: (url, init) => {
        if (String(url).endsWith('/token')) {
          aborted = new Promise((resolve) => init!.signal!.addEventListener('abort', resolve));
          started();
        }
        return fetch(url, init);
      },
    });
    const actor = createActor(logic, {
      input: { entry, serverKey: 'demo_k', record, correlationId: 'c', attempt: 0 },
    }).start();
    await inFlight;
    actor.stop();
    await expect(aborted).resolves.toBeDefined();
  });
});
