// mcpproxy dashboard: draws a statechart as SVG (nested boxes with their transition pills,
// initial markers, arrows to the targets) and highlights the active configuration and the
// transition just taken.
import { buildTree, collectEdges } from './chart-model.js';
import { layoutTree, METRICS } from './chart-layout.js';
import { routeEdges } from './chart-edges.js';
import { activeIds } from './format.js';

const NS = 'http://www.w3.org/2000/svg';
const MARGIN = 16;

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function measurer() {
  const ctx = document.createElement('canvas').getContext('2d');
  return (text, bold) => {
    ctx.font = bold ? '600 12px system-ui, sans-serif' : '11px system-ui, sans-serif';
    return ctx.measureText(text).width;
  };
}

function arrowDefs() {
  const defs = svgEl('defs');
  for (const [id, color] of [
    ['arrow', '#9aa3b5'],
    ['arrow-active', '#2f6fed'],
  ]) {
    const marker = svgEl('marker', {
      id,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.append(svgEl('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
    defs.append(marker);
  }
  return defs;
}

const link = (row) => ({ 'data-source': row.source, 'data-target': row.target });

function drawPill(row) {
  const g = svgEl('g', { class: `pill${row.self ? ' self' : ''}`, ...link(row) });
  g.append(svgEl('rect', { x: row.x, y: row.y, width: row.w, height: row.h, rx: 4 }));
  row.labels.forEach((l, i) => {
    const text = row.self ? `↻ ${l.text}` : l.text;
    g.append(
      svgEl('text', { class: l.kind, x: row.x + 7, y: row.y + 13 + i * METRICS.pillLine }, text),
    );
  });
  return g;
}

function drawState(node) {
  const g = svgEl('g', { class: 'st', 'data-id': node.id });
  if (node.children.length) g.classList.add('compound');
  if (!node.parent) g.classList.add('root');
  if (node.def.type === 'final') g.classList.add('final');
  g.append(
    svgEl('rect', { class: 'box', x: node.x, y: node.y, width: node.w, height: node.h, rx: 8 }),
  );
  if (node.def.type === 'final')
    g.append(
      svgEl('rect', {
        class: 'inner',
        x: node.x + 3,
        y: node.y + 3,
        width: node.w - 6,
        height: node.h - 6,
        rx: 6,
      }),
    );
  g.append(svgEl('text', { class: 'name', x: node.x + METRICS.pad, y: node.y + 16 }, node.key));
  node.notes.forEach((note, i) =>
    g.append(
      svgEl(
        'text',
        { class: 'note', x: node.x + METRICS.pad, y: node.y + 33 + i * METRICS.line },
        note,
      ),
    ),
  );
  for (const row of node.rows) g.append(drawPill(row));
  const initial = node.children.find((c) => c.key === node.def.initial);
  if (initial) {
    const y = initial.y + 12;
    const marker = svgEl('g', { class: 'init' });
    marker.append(
      svgEl('circle', { cx: initial.x - 18, cy: y, r: 4 }),
      svgEl('path', { d: `M${initial.x - 14},${y} L${initial.x - 1},${y}` }),
    );
    g.append(marker);
  }
  for (const child of node.children) g.append(drawState(child));
  return g;
}

/**
 * Draws machine definition `def` into `svg`; returns `{ highlight(path, flashEdges), global }`:
 * `highlight` marks the active states of a dotted state path and flashes the transitions just
 * taken (`flashEdges` false when the path belongs to another actor than the previous one).
 */
export function drawChart(svg, def) {
  const tree = buildTree(def);
  const { edges, global } = collectEdges(tree);
  layoutTree(tree, edges, measurer());
  const routes = routeEdges(edges, tree.byId);
  const { root } = tree;
  const width = root.w + 2 * MARGIN + 60;
  svg.replaceChildren(arrowDefs());
  svg.setAttribute('viewBox', `${-MARGIN} ${-MARGIN} ${width} ${root.h + 2 * MARGIN}`);
  svg.setAttribute('width', width);
  svg.append(drawState(root));
  const edgeLayer = svgEl('g', { class: 'edges' });
  for (const r of routes) edgeLayer.append(svgEl('path', { class: 'edge', d: r.d, ...link(r) }));
  svg.append(edgeLayer);

  let previous = new Set();
  let flash;
  const linked = () => svg.querySelectorAll('[data-source][data-target]');
  return {
    global,
    highlight(path, flashEdges = true) {
      const active = new Set(activeIds(root.id, path));
      if (!flashEdges) previous = new Set();
      for (const g of svg.querySelectorAll('.st'))
        g.classList.toggle('active', active.has(g.dataset.id));
      const changed = [...active].some((id) => !previous.has(id));
      for (const el of linked()) {
        const { source, target } = el.dataset;
        el.classList.toggle('from-active', active.has(source));
        const taken =
          previous.has(source) &&
          active.has(target) &&
          (!previous.has(target) || !active.has(source));
        if (changed) el.classList.toggle('taken', taken);
      }
      if (changed && previous.size) {
        clearTimeout(flash);
        flash = setTimeout(
          () => svg.querySelectorAll('.taken').forEach((el) => el.classList.remove('taken')),
          3000,
        );
      }
      previous = active;
      // Draw the taken arrows above the others.
      svg.querySelectorAll('path.edge.taken').forEach((p) => p.parentNode.append(p));
    },
  };
}
