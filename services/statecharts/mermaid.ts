/** @module Mermaid `stateDiagram-v2` text from a machine's JSON definition. */
import type { MachineJson, StateJson, TransitionJson } from './definition.js';

/** Mermaid ids may not contain dots: `authenticated.refreshing` → `authenticated_refreshing`. */
const mid = (path: string) => path.replace(/[.#]/g, '_').replace(/^_+/, '');

/** A short label for an event type (`xstate.done.actor.connect` → `done: connect`). */
export function eventLabel(eventType: string): string {
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return `done: ${done[1]}`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error) return `error: ${error[1]}`;
  return eventType;
}

function targetPath(machineId: string, target: string): string {
  return target.startsWith(`#${machineId}.`) ? target.slice(machineId.length + 2) : target.replace(/^#/, '');
}

/** Renders the machine as a Mermaid state diagram with nested composite states. */
export function toMermaid(machine: MachineJson): string {
  const lines: string[] = ['stateDiagram-v2'];
  const edges: string[] = [];

  const edge = (from: string, t: TransitionJson, label: string) => {
    for (const target of t.target ?? []) {
      const guard = t.guard ? ` [${t.guard}]` : '';
      edges.push(`  ${mid(from)} --> ${mid(targetPath(machine.id, target))} : ${label}${guard}`);
    }
  };

  const visit = (path: string, node: StateJson, indent: string) => {
    const children = Object.entries(node.states ?? {});
    if (children.length > 0) {
      if (path) lines.push(`${indent}state ${path.split('.').pop()} as ${mid(path)} {`);
      const inner = path ? `${indent}  ` : indent;
      if (node.initial) lines.push(`${inner}[*] --> ${mid(path ? `${path}.${node.initial}` : node.initial)}`);
      for (const [key, child] of children) visit(path ? `${path}.${key}` : key, child, inner);
      if (path) lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${path.split('.').pop()}" as ${mid(path)}`);
      if (node.type === 'final') lines.push(`${indent}${mid(path)} --> [*]`);
    }
    if (!path) return;
    for (const [event, ts] of Object.entries(node.on ?? {})) for (const t of ts) edge(path, t, eventLabel(event));
    for (const [delay, ts] of Object.entries(node.after ?? {})) for (const t of ts) edge(path, t, `after ${delay}`);
    for (const t of node.always ?? []) edge(path, t, 'always');
  };

  visit('', machine, '  ');
  return [...lines, ...edges, ''].join('\n');
}
