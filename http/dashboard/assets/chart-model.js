// mcpproxy dashboard: a machine definition (GET /api/v1/statecharts/:machine) as a tree of
// state nodes and a list of labelled transitions, grouped per source → target.
import { eventLabel } from './format.js';

const visibleAction = (name) => !name.startsWith('xstate.') && name !== 'inline';

/** The lines a state box shows under its name (entry/exit actions, invoked actors). */
function notesOf(def) {
  const notes = [];
  const entry = (def.entry ?? []).filter(visibleAction);
  if (entry.length) notes.push(`entry / ${entry.join(', ')}`);
  for (const invoke of def.invoke ?? []) notes.push(`invoke / ${invoke.src}`);
  const exit = (def.exit ?? []).filter(visibleAction);
  if (exit.length) notes.push(`exit / ${exit.join(', ')}`);
  return notes;
}

/** A delay name or milliseconds as Stately writes it (`refreshDelay`, `1.5s`). */
function delayLabel(delay) {
  return /^\d+$/.test(delay) ? `${Number(delay) / 1000}s` : delay;
}

/** The state tree: `{ id, key, def, parent, children, notes, depth }` nodes, and an id index. */
export function buildTree(def) {
  const byId = new Map();
  const visit = (key, stateDef, parent) => {
    const id = parent ? `${parent.id}.${key}` : (stateDef.id ?? key);
    const node = {
      id,
      key,
      def: stateDef,
      parent,
      children: [],
      rows: [],
      notes: notesOf(stateDef),
      depth: parent ? parent.depth + 1 : 0,
    };
    byId.set(id, node);
    for (const [childKey, childDef] of Object.entries(stateDef.states ?? {}))
      node.children.push(visit(childKey, childDef, node));
    return node;
  };
  return { root: visit(def.id, def, null), byId };
}

function resolveTarget(node, target) {
  if (target.startsWith('#')) return target.slice(1);
  if (target.startsWith('.')) return `${node.id}${target}`;
  return node.parent ? `${node.parent.id}.${target}` : `${node.id}.${target}`;
}

/**
 * Transitions with a target: `{ source, target, self, labels: [{ text, kind }] }` grouped per
 * pair and listed as `rows` of their source node, plus the root's own (`global`: they apply in
 * every state). Targetless ones draw nothing.
 */
export function collectEdges(tree) {
  const groups = new Map();
  const global = [];
  const add = (node, text, kind, transition) => {
    const label = transition.guard ? `${text} [${transition.guard}]` : text;
    for (const raw of transition.target ?? []) {
      const target = resolveTarget(node, raw);
      if (!tree.byId.has(target)) continue;
      if (node === tree.root) {
        global.push({ text: label, target: target.slice(tree.root.id.length + 1) });
        continue;
      }
      const pair = `${node.id}→${target}`;
      if (!groups.has(pair)) groups.set(pair, { source: node.id, target, labels: [] });
      const labels = groups.get(pair).labels;
      if (!labels.some((l) => l.text === label)) labels.push({ text: label, kind });
    }
  };
  for (const node of tree.byId.values()) {
    const def = node.def;
    for (const [event, list] of Object.entries(def.on ?? {}))
      for (const t of list) add(node, eventLabel(event), 'event', t);
    for (const [delay, list] of Object.entries(def.after ?? {}))
      for (const t of list) add(node, `after ${delayLabel(delay)}`, 'delay', t);
    for (const t of def.always ?? []) add(node, 'always', 'always', t);
  }
  const edges = [...groups.values()];
  for (const edge of edges) {
    edge.self = edge.source === edge.target;
    tree.byId.get(edge.source).rows.push(edge);
  }
  return { edges, global };
}

/** The child of `ancestor` that is, or contains, the state `id` (or null). */
export function childContaining(ancestor, id) {
  if (!id.startsWith(`${ancestor.id}.`)) return null;
  const key = id.slice(ancestor.id.length + 1).split('.')[0];
  return ancestor.children.find((c) => c.key === key) ?? null;
}
