/**
 * @module The loopback listener of one login flow: listens on the redirect URI's port only while
 * the flow runs, answers and ignores requests that are not the flow's callback, hands over the
 * callback's query, and answers the browser once the flow knows the outcome.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { OAuthFlowError } from '../errors.js';
import { errorPage, ignoredPage, successPage } from './callback-page.js';
import { OAuthSetupError } from './oauth-errors.js';
import type { CallbackTarget } from './redirect.js';

/**
 * Answers why a request to the callback path is not the flow's callback (it gets a 400 page with
 * that text, and the listener keeps waiting), or null to hand it to the flow.
 */
export type CallbackScreen = (params: URLSearchParams) => string | null;

/** Options of {@link listenForCallback}. */
export interface ListenOptions {
  /** Which requests are the flow's callback; without one, the first request is. */
  screen?: CallbackScreen;
  /** Aborting rejects `params`, answers a waiting browser and closes the listener. */
  signal?: AbortSignal;
}

/** A running listener. */
export interface CallbackListener {
  /** The query of the first request to the callback path that the screen lets through. */
  params: Promise<URLSearchParams>;
  /** Answers the waiting browser: the success page, or an error page with `message`. */
  answer(outcome: { ok: true } | { ok: false; message: string }): void;
  close(): Promise<void>;
}

/** Starts listening on `target`; rejects with a clear error when the port is in use. */
export async function listenForCallback(
  serverName: string,
  target: CallbackTarget,
  options: ListenOptions = {},
): Promise<CallbackListener> {
  const { screen, signal } = options;
  let pending: ServerResponse | null = null;
  let handled = false;
  let deliver!: (params: URLSearchParams) => void;
  let fail!: (error: unknown) => void;
  const params = new Promise<URLSearchParams>((resolve, reject) => {
    deliver = resolve;
    fail = reject;
  });
  params.catch(() => undefined);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== target.path) {
      res.writeHead(404, { 'Content-Type': 'text/plain', Connection: 'close' }).end('Not found');
      return;
    }
    if (handled) {
      send(
        res,
        409,
        ignoredPage('This login already received its answer; this request was ignored.'),
      );
      return;
    }
    // A request that is not the callback must not end the login: the real one may still come.
    const stray = screen?.(url.searchParams) ?? null;
    if (stray !== null) {
      send(res, 400, ignoredPage(stray));
      return;
    }
    handled = true;
    pending = res;
    deliver(url.searchParams);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(listenError(serverName, target, error)),
    );
    server.listen(target.port, target.host, () => resolve());
  });

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const onAbort = () => {
    fail(new OAuthFlowError('failed_other', `${serverName}: the login was cancelled.`));
    if (pending) send(pending, 400, errorPage('The login was cancelled.'));
    void close();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  return {
    params,
    answer(outcome) {
      if (!pending) return;
      const res = pending;
      pending = null;
      if (outcome.ok) send(res, 200, successPage(serverName));
      else send(res, 400, errorPage(outcome.message));
    },
    close: async () => {
      signal?.removeEventListener('abort', onAbort);
      if (pending) send(pending, 500, errorPage('The login stopped.'));
      pending = null;
      await close();
    },
  };
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'close',
  });
  res.end(html);
}

function listenError(name: string, target: CallbackTarget, error: NodeJS.ErrnoException): Error {
  const where = `${target.host}:${target.port}`;
  if (error.code === 'EADDRINUSE') {
    const fix = target.pinned
      ? `free port ${target.port} or change oauth.redirect_uri (and the redirect URI registered with the provider)`
      : `stop the program using port ${target.port} and log in again (the redirect URI registered for ${name} uses this port)`;
    return new OAuthSetupError(
      `${name}: cannot receive the OAuth callback because port ${target.port} on ${target.host} is in use; ${fix}.`,
      { cause: error },
    );
  }
  return new OAuthSetupError(
    `${name}: cannot listen on ${where} for the OAuth callback (${error.code ?? error.message}).`,
    { cause: error },
  );
}
