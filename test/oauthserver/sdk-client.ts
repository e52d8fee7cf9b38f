/**
 * @module Test support: the client side of a login against the OAuth test server done with the
 * SDK's own `client/auth.js` functions (discovery, DCR, authorize + PKCE, code exchange), with a
 * loopback callback listener and {@link followAuthUrl} as the browser.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  exchangeAuthorization,
  registerClient,
  startAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  AuthorizationServerMetadata,
  OAuthClientInformationFull,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { followAuthUrl } from '../helpers/browser.js';

/** A loopback redirect target that records the query of each callback it receives. */
export interface CallbackListener {
  redirectUri: string;
  /** The query of the next callback. */
  next(): Promise<URLSearchParams>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:<ephemeral>/callback and answers 200 "login complete". */
export async function startCallbackListener(): Promise<CallbackListener> {
  const waiting: ((query: URLSearchParams) => void)[] = [];
  const received: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    const waiter = waiting.shift();
    if (waiter) waiter(query);
    else received.push(query);
    res.writeHead(query.has('code') ? 200 : 400, { 'Content-Type': 'text/plain' });
    res.end(query.has('code') ? 'login complete' : `login failed: ${query.get('error')}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    next: () =>
      new Promise((resolve) => {
        const ready = received.shift();
        if (ready) resolve(ready);
        else waiting.push(resolve);
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Everything a completed login produced. */
export interface SdkLogin {
  metadata: AuthorizationServerMetadata;
  client: OAuthClientInformationFull;
  tokens: OAuthTokens;
  redirectUri: string;
  resource: string;
  /** What the AS sent to the callback (code, state, iss). */
  callback: URLSearchParams;
}

export interface SdkLoginOptions {
  scope?: string;
  /** Overrides of the DCR metadata (default: public client, auth method none). */
  clientMetadata?: Partial<OAuthClientMetadata>;
}

/** Discovers, registers a client, logs in with code + PKCE and exchanges the code. */
export async function loginWithSdk(
  mcpUrl: string,
  options: SdkLoginOptions = {},
): Promise<SdkLogin> {
  const prm = await discoverOAuthProtectedResourceMetadata(mcpUrl);
  const issuer = prm.authorization_servers?.[0];
  if (!issuer) throw new Error('protected-resource metadata names no authorization server');
  const metadata = await discoverAuthorizationServerMetadata(issuer);
  if (!metadata) throw new Error('no authorization-server metadata');
  const listener = await startCallbackListener();
  try {
    const client = await registerClient(issuer, {
      metadata,
      clientMetadata: {
        redirect_uris: [listener.redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        client_name: 'sdk-client test',
        ...options.clientMetadata,
      },
    });
    const state = `state-${Math.random().toString(36).slice(2)}`;
    const { authorizationUrl, codeVerifier } = await startAuthorization(issuer, {
      metadata,
      clientInformation: client,
      redirectUrl: listener.redirectUri,
      scope: options.scope,
      state,
      resource: prm.resource,
    });
    const visit = followAuthUrl(authorizationUrl.href);
    const callback = await listener.next();
    await visit;
    if (callback.get('state') !== state) throw new Error('state mismatch');
    const code = callback.get('code');
    if (!code) throw new Error(`authorization failed: ${callback.get('error')}`);
    const tokens = await exchangeAuthorization(issuer, {
      metadata,
      clientInformation: client,
      authorizationCode: code,
      codeVerifier,
      redirectUri: listener.redirectUri,
      resource: prm.resource,
    });
    return {
      metadata,
      client,
      tokens,
      redirectUri: listener.redirectUri,
      resource: prm.resource,
      callback,
    };
  } finally {
    await listener.close();
  }
}
