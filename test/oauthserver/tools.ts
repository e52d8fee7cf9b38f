/**
 * @module The MCP server behind `/mcp`: tools `echo`, `add`, `whoami` and `admin_action` (needs
 * scope `admin`), and the scope each tool requires, which the HTTP layer enforces with a 403.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** Scopes a tool needs beyond a valid token. */
export const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = { admin_action: ['admin'] };

function text(value: string) {
  return { content: [{ type: 'text' as const, text: value }] };
}

/** The scopes that the JSON-RPC message(s) need and `granted` lacks. */
export function missingScopes(body: unknown, granted: readonly string[]): string[] {
  const messages = Array.isArray(body) ? body : [body];
  const needed = new Set<string>();
  for (const message of messages) {
    const m = message as { method?: unknown; params?: { name?: unknown } } | null;
    if (m?.method !== 'tools/call' || typeof m.params?.name !== 'string') continue;
    for (const scope of TOOL_SCOPES[m.params.name] ?? []) needed.add(scope);
  }
  return [...needed].filter((s) => !granted.includes(s));
}

/** A fresh MCP server with the test tools (one per session). */
export function createToolServer(): McpServer {
  const server = new McpServer({ name: 'mcpproxy-oauth-test-server', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns the message unchanged.', inputSchema: { message: z.string() } },
    ({ message }) => text(message),
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
    ({ a, b }) => text(String(a + b)),
  );
  server.registerTool(
    'whoami',
    {
      description: 'The client id and scopes of the access token that made this call.',
      outputSchema: { client_id: z.string(), scopes: z.array(z.string()) },
    },
    (extra) => {
      const who = {
        client_id: extra.authInfo?.clientId ?? '',
        scopes: extra.authInfo?.scopes ?? [],
      };
      return { ...text(who.scopes.join(' ')), structuredContent: who };
    },
  );
  server.registerTool(
    'admin_action',
    {
      description: 'A privileged no-op; needs an access token with scope "admin".',
      inputSchema: { action: z.string().optional() },
    },
    ({ action }, extra) => {
      if (!extra.authInfo?.scopes.includes('admin')) {
        return { ...text('scope "admin" required'), isError: true };
      }
      return text(`admin action ${action ?? 'noop'} done`);
    },
  );
  return server;
}
