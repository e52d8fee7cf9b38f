/**
 * @module The test stand-in for a user's browser: opens an authorization URL without following
 * redirects, then visits the `Location` it redirects to (the loopback callback of whoever runs the
 * OAuth flow) and reports what that callback answered.
 */

/** What the callback answered, and where the browser was sent. */
export interface BrowserVisit {
  callbackStatus: number;
  callbackBody: string;
  /** The URL the authorization server redirected to (carries `code`/`error`, `state`, `iss`). */
  callbackUrl: string;
}

export interface FollowAuthUrlOptions {
  /** Bound for each of the two requests (default 10 s). */
  timeoutMs?: number;
}

async function bodyExcerpt(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  return text.replace(/\s+/g, ' ').slice(0, 200);
}

/**
 * GETs `authUrl` (redirects not followed), then GETs its `Location`. Throws when the authorization
 * endpoint does not redirect (e.g. its 400 error page) or a request exceeds the timeout.
 */
export async function followAuthUrl(
  authUrl: string,
  options: FollowAuthUrlOptions = {},
): Promise<BrowserVisit> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const authorize = await fetch(authUrl, {
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const location = authorize.headers.get('location');
  if (authorize.status < 300 || authorize.status >= 400 || !location) {
    const excerpt = await bodyExcerpt(authorize);
    throw new Error(
      `authorization endpoint answered ${authorize.status} without redirect: ${excerpt}`,
    );
  }
  await authorize.body?.cancel();
  const callbackUrl = new URL(location, authUrl).href;
  const callback = await fetch(callbackUrl, {
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { callbackStatus: callback.status, callbackBody: await callback.text(), callbackUrl };
}
