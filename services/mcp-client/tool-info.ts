/** @module Maps an MCP `Tool` as the SDK lists it to the JSON-safe `ToolInfo` the actor keeps. */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolInfo } from '../../machines/upstream/upstream.types.js';

/**
 * The tool's name, title, description, schemas, annotations, icons and `_meta`, without
 * undefined fields. `execution` is not passed on: mcpproxy runs no task-augmented calls, so a
 * client must not be told that a tool supports them (a tool that requires them is not listed;
 * see {@link unsupportedReason}).
 */
export function toToolInfo(tool: Tool): ToolInfo {
  const info: ToolInfo = { name: tool.name, inputSchema: { ...tool.inputSchema } };
  if (tool.title !== undefined) info.title = tool.title;
  if (tool.description !== undefined) info.description = tool.description;
  if (tool.outputSchema !== undefined) info.outputSchema = { ...tool.outputSchema };
  if (tool.annotations !== undefined) info.annotations = { ...tool.annotations };
  if (tool.icons !== undefined) info.icons = tool.icons.map((icon) => ({ ...icon }));
  if (tool._meta !== undefined) info._meta = { ...tool._meta };
  return info;
}

/** Why the proxy cannot offer `tool` (its calls need MCP tasks), or null when it can. */
export function unsupportedReason(tool: Tool): string | null {
  return tool.execution?.taskSupport === 'required'
    ? `tool "${tool.name.slice(0, 80)}" requires task-augmented calls, which mcpproxy does not support`
    : null;
}
