/**
 * @module A real MCP client (the SDK's `Client` over Streamable HTTP) against the proxy's `/mcp`
 * endpoint, with the tool calls e2e tests make.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** A connected client; `close()` ends its session. */
export async function connectMcp(proxyUrl: string): Promise<Client> {
  const client = new Client({ name: 'mcpproxy-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxyUrl}/mcp`)));
  return client;
}

/** The tool names the proxy lists, sorted. */
export async function toolNames(client: Client): Promise<string[]> {
  const { tools } = await client.listTools(undefined, { timeout: 10_000 });
  return tools.map((t) => t.name).sort();
}

/** Result of a tool call as the proxy passed it through. */
export interface CallOutcome {
  isError: boolean;
  text: string;
}

/** Calls `tool` with `args` (bounded) and answers the joined text content. */
export async function callTool(
  client: Client,
  tool: string,
  args: Record<string, unknown>,
): Promise<CallOutcome> {
  const result = await client.callTool({ name: tool, arguments: args }, undefined, {
    timeout: 15_000,
  });
  const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return {
    isError: result.isError === true,
    text: content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n'),
  };
}
