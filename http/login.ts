/**
 * @module `POST /login` semantics (SPEC §3): start or join the server's one OAuth flow and wait,
 * bounded, for its authorization URL; or answer that the server is already authenticated.
 */
import { BadRequestError, ConflictError } from '../services/errors.js';
import { LoginFailedError, LoginUrlTimeoutError } from './errors.js';
import { topState, type Upstream, type UpstreamSnapshot } from './upstreams.js';

/** What a login request answers. */
export type LoginAnswer =
  { status: 'pending'; auth_url: string; correlation_id: string } | { status: 'authenticated' };

/**
 * Refuses a login the server cannot take (disabled, stopped, no OAuth). A URL server without an
 * `oauth` block that has not connected (retrying, or still connecting) may yet turn out to need
 * OAuth: that is said as such, not as "does not use OAuth".
 */
function assertCanLogin(upstream: Upstream): void {
  const { snapshot, name } = upstream;
  const top = topState(snapshot);
  if (top === 'idle') {
    throw new ConflictError(`${name} is disabled in the configuration: enable it first.`);
  }
  if (top === 'stopped' || snapshot.status !== 'active') {
    throw new ConflictError(`${name} is stopped: restart it first.`);
  }
  if (snapshot.context.oauth) return;
  if (snapshot.context.entry.url !== null && (top === 'retrying' || top === 'connecting')) {
    const { lastError } = snapshot.context;
    const last = lastError ? ` (last error: ${lastError.replace(/[.\s]+$/, '')})` : '';
    throw new ConflictError(
      `${name} ${lastError ? 'could not be reached' : 'has not answered yet'}, so mcpproxy ` +
        `cannot tell yet whether it needs a login${last}. It keeps retrying: check that the ` +
        `server is running and its url is right, then try again once "mcpproxy upstream list" ` +
        `shows it connected or loginRequired.`,
    );
  }
  throw new BadRequestError(`${name} does not use OAuth: there is nothing to log in to.`);
}

/**
 * Starts (or joins) the login of `upstream` and resolves with the flow's authorization URL.
 * The actor decides: a server with a valid token and a live session ignores an unforced login.
 */
export async function startLogin(
  upstream: Upstream,
  force: boolean,
  timeoutMs: number,
): Promise<LoginAnswer> {
  assertCanLogin(await oauthKnown(upstream, timeoutMs));
  // A failed login on a working server goes back to this token (it does not park).
  const before = accessTokenOf(upstream.ref.getSnapshot() as UpstreamSnapshot);
  upstream.ref.send({ type: 'auth.login', force });
  const now = upstream.ref.getSnapshot() as UpstreamSnapshot;
  if (topState(now) !== 'loggingIn') return { status: 'authenticated' };
  return waitForAuthUrl(upstream, timeoutMs, before);
}

/**
 * Whether a URL server uses OAuth is learnt from its first answer (a 401 pointing to metadata)
 * when the config has no `oauth` block: until that handshake ends, not using OAuth is not a fact.
 */
function oauthUndecided(snapshot: UpstreamSnapshot): boolean {
  return (
    !snapshot.context.oauth &&
    snapshot.context.entry.url !== null &&
    topState(snapshot) === 'connecting' &&
    snapshot.status === 'active'
  );
}

/**
 * The upstream once its OAuth use is known (or `timeoutMs` passed): a login sent right after
 * start waits for the first handshake instead of being refused.
 */
function oauthKnown(upstream: Upstream, timeoutMs: number): Promise<Upstream> {
  if (!oauthUndecided(upstream.snapshot)) return Promise.resolve(upstream);
  const { ref } = upstream;
  return new Promise<Upstream>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve({ ...upstream, snapshot: ref.getSnapshot() as UpstreamSnapshot });
    };
    const timer = setTimeout(done, timeoutMs);
    const subscription = ref.subscribe({
      next: (snapshot) => {
        if (!oauthUndecided(snapshot as UpstreamSnapshot)) done();
      },
      error: done,
      complete: done,
    });
    if (!oauthUndecided(ref.getSnapshot() as UpstreamSnapshot)) done();
  });
}

type Outcome = LoginAnswer | Error;

const accessTokenOf = (snapshot: UpstreamSnapshot) =>
  snapshot.context.record?.tokens?.access_token ?? null;

/** Follows the actor until its flow has a URL, ends, or `timeoutMs` passes. */
function waitForAuthUrl(
  upstream: Upstream,
  timeoutMs: number,
  tokenBefore: string | null,
): Promise<LoginAnswer> {
  const { ref, name } = upstream;
  return new Promise<LoginAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const check = (snapshot: UpstreamSnapshot) => {
      const outcome = outcomeOf(name, snapshot, tokenBefore);
      if (outcome) finish(outcome);
    };
    const timer = setTimeout(() => {
      const flow = (ref.getSnapshot() as UpstreamSnapshot).context.flow;
      finish(
        new LoginUrlTimeoutError(
          `${name}: the login flow gave no authorization URL within ${Math.round(timeoutMs / 1000)} s; ` +
            `it keeps running (correlation_id ${flow?.correlationId ?? 'unknown'}).`,
        ),
      );
    }, timeoutMs);
    let subscription: { unsubscribe(): void } | undefined;
    subscription = ref.subscribe({
      next: (snapshot) => check(snapshot as UpstreamSnapshot),
      error: () => finish(new ConflictError(`${name} stopped during the login.`)),
      complete: () => finish(new ConflictError(`${name} stopped during the login.`)),
    });
    check(ref.getSnapshot() as UpstreamSnapshot);
  });
}

/** The answer a snapshot gives to a waiting login, or null to keep waiting. */
function outcomeOf(
  name: string,
  snapshot: UpstreamSnapshot,
  tokenBefore: string | null,
): Outcome | null {
  const top = topState(snapshot);
  const flow = snapshot.context.flow;
  if (top === 'loggingIn') {
    if (flow?.authUrl) {
      return { status: 'pending', auth_url: flow.authUrl, correlation_id: flow.correlationId };
    }
    return null;
  }
  if (top === 'loginRequired') {
    const reason = snapshot.context.loginReason ?? 'Login failed';
    return new LoginFailedError(`${name}: ${reason}`);
  }
  if (top === 'stopped' || top === 'idle') {
    return new ConflictError(`${name} stopped during the login.`);
  }
  // The flow failed on a server that keeps its token: it reconnects with the old one.
  if (tokenBefore !== null && accessTokenOf(snapshot) === tokenBefore) {
    const reason = snapshot.context.loginError ?? snapshot.context.lastError ?? 'Login failed';
    return new LoginFailedError(`${name}: ${reason}`);
  }
  // The flow completed before a URL was needed (the server is connecting with the new token).
  return { status: 'authenticated' };
}
