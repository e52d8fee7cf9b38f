/** @module A fake upstream MCP session: `echo` answers with its arguments as structured content. */
import type { ToolInfo, UpstreamSession } from '../../../machines/upstream/upstream.types.js';

export const ECHO_TOOLS: ToolInfo[] = [
  {
    name: 'echo',
    title: 'Echo',
    description: 'Echoes its arguments',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    outputSchema: { type: 'object', properties: { text: { type: 'string' } } },
    annotations: { readOnlyHint: true },
  },
  { name: 'fail', description: 'Always answers a tool error', inputSchema: { type: 'object' } },
  { name: 'boom', description: 'Always throws', inputSchema: { type: 'object' } },
];

/** Records calls; `echo` → content + structuredContent, `fail` → isError, `boom` throws. */
export class EchoSession implements UpstreamSession {
  calls: Array<{ name: string; args: Record<string, unknown> | undefined; signal?: AbortSignal }> =
    [];
  closed = false;
  constructor(readonly tools: ToolInfo[]) {}

  async callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    options?: { signal?: AbortSignal },
  ) {
    this.calls.push({ name, args, signal: options?.signal });
    if (name === 'fail') {
      return {
        isError: true,
        content: [{ type: 'text', text: 'upstream says no' }],
        structuredContent: { reason: 'no' },
      };
    }
    if (name === 'boom')
      throw new Error(
        'socket hang up: POST https://up.example/mcp?access_token=at-secret-1 (Authorization: Bearer at-secret-2)',
      );
    return {
      content: [{ type: 'text', text: String(args?.text ?? '') }],
      structuredContent: { text: args?.text ?? null },
      _meta: { upstream: 'echo' },
    };
  }

  async listTools() {
    return this.tools;
  }

  async close() {
    this.closed = true;
  }
}
