/**
 * @module The tools `/mcp` offers (SPEC §6): the union of the usable upstreams' tools named
 * `<server>__<tool>`, and the lookup table that routes a full name back to its server and tool.
 */
import type { ToolInfo } from '../../machines/upstream/upstream.types.js';
import type { Logger } from '../../services/logger/index.js';
import { isUsable, type Upstream } from '../upstreams.js';

/** Separator between server and tool names (MCP tool names allow no `:`). */
export const TOOL_SEPARATOR = '__';
/** Longest tool name offered; longer ones are skipped with a warning. */
export const MAX_TOOL_NAME = 128;
/** The characters MCP allows in a tool name (SPEC §6); other names are skipped with a warning. */
const TOOL_NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** Where a full tool name goes. */
export interface ToolRoute {
  server: string;
  tool: ToolInfo;
}

/** A tool as `tools/list` shows it. */
export interface ListedTool extends Omit<ToolInfo, 'inputSchema'> {
  inputSchema: { type: 'object'; [key: string]: unknown };
}

/** How many removed server names are remembered for their callers. */
const MAX_REMOVED = 256;

/**
 * Rebuilt from snapshots on every change. Routes keep the last tools a server offered while it
 * was usable, so a call to a server that went away is answered with its health, not "unknown".
 */
export class ToolCatalog {
  private routes = new Map<string, ToolRoute>();
  private listed: ListedTool[] = [];
  private servers: string[] = [];
  private readonly lastKnown = new Map<string, ToolInfo[]>();
  /** Servers removed from the config (most recent last, bounded), until one comes back. */
  private readonly removed = new Set<string>();
  private readonly warned = new Set<string>();
  /** What the table was last built from: name, tools array and usability of each upstream. */
  private builtFrom: Array<{ name: string; tools: ToolInfo[]; usable: boolean }> = [];

  constructor(private readonly logger: Logger) {}

  /**
   * Recomputes the table from the current upstreams (sorted by name). Every tool call asks for
   * it, so when no upstream changed its name, tools or usability it returns at once.
   */
  rebuild(upstreams: Upstream[]): void {
    if (this.builtFromSame(upstreams)) return;
    this.builtFrom = upstreams.map(({ name, snapshot }) => ({
      name,
      tools: snapshot.context.tools,
      usable: isUsable(snapshot),
    }));
    const routes = new Map<string, ToolRoute>();
    const listed: ListedTool[] = [];
    const present = new Set(upstreams.map((u) => u.name));
    for (const name of this.lastKnown.keys()) if (!present.has(name)) this.lastKnown.delete(name);
    for (const name of this.servers) if (!present.has(name)) this.removed.add(name);
    for (const name of present) this.removed.delete(name);
    while (this.removed.size > MAX_REMOVED)
      this.removed.delete(this.removed.values().next().value!);
    for (const { name, snapshot } of upstreams) {
      const usable = isUsable(snapshot);
      if (usable) this.lastKnown.set(name, snapshot.context.tools);
      for (const tool of this.lastKnown.get(name) ?? []) {
        const full = `${name}${TOOL_SEPARATOR}${tool.name}`;
        if (!this.accept(full, name, routes)) continue;
        routes.set(full, { server: name, tool });
        if (usable) listed.push(listedTool(full, tool));
      }
    }
    this.routes = routes;
    this.listed = listed;
    // Longest first, so `a.b` wins over `a` for a name starting `a.b__`.
    this.servers = [...present].sort((a, b) => b.length - a.length);
  }

  /** The tools of `tools/list`. */
  list(): ListedTool[] {
    return this.listed;
  }

  /** The route of a full tool name, if any. */
  route(fullName: string): ToolRoute | undefined {
    return this.routes.get(fullName);
  }

  /** The configured server a name belongs to by its `<server>__` prefix (for unknown tools). */
  serverOf(fullName: string): string | undefined {
    return this.servers.find((server) => fullName.startsWith(`${server}${TOOL_SEPARATOR}`));
  }

  /**
   * The server a name belongs to by its `<server>__` prefix when that server was removed from
   * the config while serve ran (so a client holding an old tool list hears why).
   */
  removedServerOf(fullName: string): string | undefined {
    let found: string | undefined;
    for (const server of this.removed) {
      if (!fullName.startsWith(`${server}${TOOL_SEPARATOR}`)) continue;
      if (!found || server.length > found.length) found = server;
    }
    return found;
  }

  /** A value that changes exactly when `tools/list` would answer differently. */
  signature(): string {
    return JSON.stringify(this.listed);
  }

  private builtFromSame(upstreams: Upstream[]): boolean {
    if (upstreams.length !== this.builtFrom.length) return false;
    return upstreams.every(({ name, snapshot }, i) => {
      const built = this.builtFrom[i]!;
      return (
        built.name === name &&
        built.tools === snapshot.context.tools &&
        built.usable === isUsable(snapshot)
      );
    });
  }

  private accept(full: string, server: string, routes: Map<string, ToolRoute>): boolean {
    if (!TOOL_NAME_RE.test(full)) {
      this.warnOnce(
        full,
        { server, tool: JSON.stringify(full.slice(0, 160)) },
        'tool name with characters MCP does not allow skipped',
      );
      return false;
    }
    if (full.length > MAX_TOOL_NAME) {
      this.warnOnce(
        full,
        { server, tool: full.slice(0, 160) },
        'tool name longer than 128 characters skipped',
      );
      return false;
    }
    const taken = routes.get(full);
    if (taken) {
      this.warnOnce(
        full,
        { server, tool: full, owner: taken.server },
        'duplicate tool name skipped',
      );
      return false;
    }
    return true;
  }

  private warnOnce(key: string, fields: Record<string, string>, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(fields, message);
  }
}

function listedTool(full: string, tool: ToolInfo): ListedTool {
  const inputSchema = { ...(tool.inputSchema ?? {}), type: 'object' as const };
  return {
    ...tool,
    name: full,
    inputSchema,
  };
}
