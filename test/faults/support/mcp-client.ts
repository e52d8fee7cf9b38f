/** @module An MCP client of the proxy's `/mcp` endpoint (the SDK's own), for calls in fault tests. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Connects a new client session to `<baseUrl>/mcp`. */
export async function connectMcp(baseUrl: string, name = 'fault-test'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
  return client;
}

/** Calls `tool` and answers its result; a thrown call becomes a tool error with the message. */
export async function call(
  client: Client,
  tool: string,
  args: Record<string, unknown>,
  timeoutMs = 15_000,
): Promise<CallToolResult> {
  try {
    return (await client.callTool({ name: tool, arguments: args }, undefined, {
      timeout: timeoutMs,
    })) as CallToolResult;
  } catch (error) {
    return {
      isError: true,
      content: [{ type: 'text', text: `thrown: ${(error as Error).message}` }],
    };
  }
}

/** The text of a result's first content block. */
export function textOf(result: CallToolResult): string {
  const first = result.content?.[0];
  return first && first.type === 'text' ? first.text : JSON.stringify(result);
}
