/**
 * @module Test support: raw HTTP requests to the OAuth test server (token requests by hand, the
 * admin API), for the cases the SDK's client functions deliberately cannot produce.
 */

/** A parsed answer: status, headers and the body as JSON when it is JSON, else text. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | string;
}

async function answer(response: Response): Promise<RawAnswer> {
  const text = await response.text();
  let body: RawAnswer['body'] = text;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/** POSTs a form (as a token request is sent). */
export async function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(10_000),
  });
  return answer(response);
}

/** POSTs JSON (DCR, admin API). */
export async function postJson(url: string, body: unknown): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return answer(response);
}

/** GETs a URL without following redirects. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const response = await fetch(url, {
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  return answer(response);
}

/** A refresh_token grant by a public client, sent by hand. */
export function refreshByHand(tokenUrl: string, clientId: string, refreshToken: string) {
  return postForm(tokenUrl, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId,
  });
}

/**
 * Whether the MCP endpoint accepts a bearer token: 400 (accepted; the request has no session) or
 * 401 (refused), answered with the `WWW-Authenticate` header.
 */
export async function bearerProbe(
  mcpUrl: string,
  token: string,
): Promise<{ status: number; challenge: string | null }> {
  const response = await fetch(mcpUrl, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json, text/event-stream' },
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  return { status: response.status, challenge: response.headers.get('www-authenticate') };
}
