/** @module Lists all tools of an upstream, following `nextCursor` a bounded number of pages. */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ToolInfo } from '../../machines/upstream/upstream.types.js';
import { toToolInfo } from './tool-info.js';

/** Upper bound on pages, against a server that loops its cursor. */
const MAX_PAGES = 100;

/** All tools of the upstream as `ToolInfo` (an upstream without tools answers []). */
export async function listAllTools(
  client: Client,
  options: { signal?: AbortSignal; timeout?: number } = {},
): Promise<ToolInfo[]> {
  if (!client.getServerCapabilities()?.tools) return [];
  const tools: ToolInfo[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await client.listTools(cursor ? { cursor } : undefined, options);
    tools.push(...result.tools.map(toToolInfo));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}
