/**
 * @module The unauthenticated probe a login starts with: POST `initialize` to the MCP URL and read
 * the 401's `WWW-Authenticate` (RFC 9728 `resource_metadata`, `scope`).
 */
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { OAuthHttp } from './oauth-http.js';

/** What a 401 challenge told us. */
export interface Challenge {
  resourceMetadataUrl: URL | null;
  scope: string | null;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'mcpproxy', version: '0.1.0' },
  },
});

/**
 * Asks the server without credentials; answers its challenge when it says 401, else null.
 * Failures are not thrown: discovery goes on with the well-known URLs, and a network failure
 * stays in the recorder for the error that follows.
 */
export async function probeChallenge(
  serverUrl: string,
  headers: Record<string, string>,
  http: OAuthHttp,
): Promise<Challenge | null> {
  try {
    const response = await http.fetchFor('The MCP server')(serverUrl, {
      method: 'POST',
      headers: {
        ...headers,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: INITIALIZE,
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status !== 401) return null;
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(response);
    return { resourceMetadataUrl: resourceMetadataUrl ?? null, scope: scope ?? null };
  } catch {
    return null;
  }
}
