// mcpproxy dashboard: nested-box layout of a statechart. A state box holds its name, its
// entry/invoke notes and one pill per outgoing transition group (the event names, as the XState
// visualiser lists them); a compound state then lays its children out in columns by distance
// from its initial state, ordered to keep edges short. Sizes grow bottom-up; positions are then
// made absolute.
import { childContaining } from './chart-model.js';

export const METRICS = {
  pad: 12,
  header: 24,
  line: 14,
  pillLine: 14,
  pillGap: 4,
  colGap: 80,
  rowGap: 26,
  minW: 110,
};

/** Columns of `node`'s children: BFS rank from the initial child over sibling transitions. */
function columnsOf(node, edges) {
  const next = new Map(node.children.map((c) => [c, new Set()]));
  for (const e of edges) {
    const a = childContaining(node, e.source);
    const b = childContaining(node, e.target);
    if (a && b && a !== b) next.get(a).add(b);
  }
  const first = node.children.find((c) => c.key === node.def.initial) ?? node.children[0];
  const rank = new Map([[first, 0]]);
  const queue = [first];
  while (queue.length) {
    const c = queue.shift();
    for (const d of next.get(c)) if (!rank.has(d)) (rank.set(d, rank.get(c) + 1), queue.push(d));
  }
  const last = Math.max(...rank.values()) + 1;
  const columns = [];
  for (const c of node.children) (columns[rank.get(c) ?? last] ??= []).push(c);
  const dense = columns.filter(Boolean);
  // One barycenter pass: order each column by the mean row of its predecessors.
  const row = new Map();
  dense.forEach((col, i) => {
    if (i > 0) {
      const score = (c) => {
        const preds = [...next.entries()]
          .filter(([p, set]) => set.has(c) && row.has(p))
          .map(([p]) => row.get(p));
        return preds.length ? preds.reduce((s, v) => s + v, 0) / preds.length : Infinity;
      };
      col.sort((a, b) => score(a) - score(b));
    }
    col.forEach((c, r) => row.set(c, r));
  });
  return dense;
}

/** Sizes and places the name, notes and transition pills; returns the height they take. */
function sizeHead(node, measure) {
  const { pad, header, line, pillLine, pillGap } = METRICS;
  let y = header + node.notes.length * line + (node.notes.length ? 4 : 0);
  let w = Math.max(measure(node.key, true), ...node.notes.map((n) => measure(n, false)));
  for (const row of node.rows) {
    const texts = row.labels.map((l) => (row.self ? `↻ ${l.text}` : l.text));
    row.w = Math.ceil(Math.max(...texts.map((t) => measure(t, false)))) + 14;
    row.h = texts.length * pillLine + 6;
    row.rx = pad;
    row.ry = y + pillGap;
    y += row.h + pillGap;
    w = Math.max(w, row.w);
  }
  node.headW = Math.ceil(w) + 2 * pad;
  return y + (node.rows.length ? pillGap : 0);
}

function layoutNode(node, edges, measure) {
  const { pad, minW, colGap, rowGap } = METRICS;
  const head = sizeHead(node, measure);
  if (!node.children.length) {
    node.w = Math.max(minW, node.headW);
    node.h = head + 6;
    return;
  }
  for (const child of node.children) layoutNode(child, edges, measure);
  const columns = columnsOf(node, edges);
  const colW = columns.map((col) => Math.max(...col.map((c) => c.w)));
  const colH = columns.map((col) => col.reduce((s, c) => s + c.h, 0) + (col.length - 1) * rowGap);
  const top = head + pad;
  const inner = Math.max(...colH);
  let x = pad + 20; // room for the initial-state marker
  columns.forEach((col, i) => {
    let y = top + (inner - colH[i]) / 2;
    for (const c of col) {
      c.rx = x + (colW[i] - c.w) / 2;
      c.ry = y;
      y += c.h + rowGap;
    }
    x += colW[i] + colGap;
  });
  node.w = Math.max(node.headW, x - colGap + pad + 16);
  node.h = top + inner + pad;
}

function absolute(node, ox, oy) {
  node.x = ox + (node.rx ?? 0);
  node.y = oy + (node.ry ?? 0);
  for (const row of node.rows) ((row.x = node.x + row.rx), (row.y = node.y + row.ry));
  for (const child of node.children) absolute(child, node.x, node.y);
}

/** Lays out the tree in place: nodes and their rows get `x, y, w, h` (absolute, root at 0,0). */
export function layoutTree(tree, edges, measure) {
  layoutNode(tree.root, edges, measure);
  absolute(tree.root, 0, 0);
  return tree;
}
