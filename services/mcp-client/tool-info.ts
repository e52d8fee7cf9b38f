/** @module Maps an MCP `Tool` as the SDK lists it to the JSON-safe `ToolInfo` the actor keeps. */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolInfo } from '../../machines/upstream/upstream.types.js';

/** The tool's name, title, description, schemas and annotations, without undefined fields. */
export function toToolInfo(tool: Tool): ToolInfo {
  const info: ToolInfo = { name: tool.name, inputSchema: { ...tool.inputSchema } };
  if (tool.title !== undefined) info.title = tool.title;
  if (tool.description !== undefined) info.description = tool.description;
  if (tool.outputSchema !== undefined) info.outputSchema = { ...tool.outputSchema };
  if (tool.annotations !== undefined) info.annotations = { ...tool.annotations };
  return info;
}
