/**
 * @module Lists all tools of an upstream, following `nextCursor` a bounded number of pages. Each
 * entry is checked on its own: a malformed tool (no object input schema, no name …) is skipped and
 * reported, so one bad entry from a buggy or hostile server does not make the whole server
 * unusable.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { PaginatedResultSchema, ToolSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolInfo } from '../../machines/upstream/upstream.types.js';
import { toToolInfo, unsupportedReason } from './tool-info.js';

/** Upper bound on pages, against a server that loops its cursor. */
const MAX_PAGES = 100;

/** A tools/list page whose entries are validated one by one. */
const LenientListToolsResultSchema = PaginatedResultSchema.extend({ tools: z.array(z.unknown()) });

export interface ListToolsOptions {
  signal?: AbortSignal;
  timeout?: number;
  /** Told about each skipped entry, in words (no values beyond the tool's name). */
  onInvalid?: (problem: string) => void;
}

/** All valid tools of the upstream as `ToolInfo` (an upstream without tools answers []). */
export async function listAllTools(
  client: Client,
  options: ListToolsOptions = {},
): Promise<ToolInfo[]> {
  if (!client.getServerCapabilities()?.tools) return [];
  const tools: ToolInfo[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await client.request(
      { method: 'tools/list', params: cursor ? { cursor } : undefined },
      LenientListToolsResultSchema,
      { signal: options.signal, timeout: options.timeout },
    );
    for (const [index, entry] of result.tools.entries()) {
      const parsed = ToolSchema.safeParse(entry);
      if (!parsed.success) {
        options.onInvalid?.(describeInvalid(entry, page, index, parsed.error));
        continue;
      }
      const unsupported = unsupportedReason(parsed.data);
      if (unsupported) options.onInvalid?.(unsupported);
      else tools.push(toToolInfo(parsed.data));
    }
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

function describeInvalid(entry: unknown, page: number, index: number, error: z.ZodError): string {
  const name = (entry as { name?: unknown } | null)?.name;
  const which =
    typeof name === 'string' ? `"${name.slice(0, 80)}"` : `#${index} of page ${page + 1}`;
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'the entry';
  return `tool ${which}: ${where}: ${issue?.message ?? 'invalid'}`.slice(0, 300);
}
