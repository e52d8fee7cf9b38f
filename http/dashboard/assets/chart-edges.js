// mcpproxy dashboard: routing transitions from their pill (inside the source state's box) to
// the target box: rightwards from the pill's right end, leftwards from its left end, and around
// the right side for targets above or below. Ends sharing a target side are spread along it.

const NORMAL = { left: [-1, 0], right: [1, 0] };

/** Which end of the pill the arrow leaves from, and which side of the target it enters. */
function sidesOf(a, b) {
  if (b.x >= a.x + a.w) return ['right', 'left'];
  if (b.x + b.w <= a.x) return ['left', 'right'];
  return ['right', 'right'];
}

function spreadTargets(routes) {
  const bySide = new Map();
  for (const r of routes) {
    const key = `${r.b.id}|${r.sides[1]}`;
    if (!bySide.has(key)) bySide.set(key, []);
    bySide.get(key).push(r);
  }
  for (const group of bySide.values()) {
    group.sort((p, q) => p.from[1] - q.from[1]);
    group.forEach((r, i) => {
      const b = r.b;
      const top = b.y + Math.min(12, b.h / 3);
      const span = Math.min(b.h, 160) - Math.min(12, b.h / 3) * 2;
      const y = top + ((i + 1) / (group.length + 1)) * Math.max(span, 8);
      r.to = [r.sides[1] === 'left' ? b.x : b.x + b.w, y];
    });
  }
}

/** Routes every non-self edge: each gets `d` (an SVG cubic Bézier path). */
export function routeEdges(edges, byId) {
  const routes = edges
    .filter((e) => !e.self)
    .map((e) => {
      const a = byId.get(e.source);
      const b = byId.get(e.target);
      const sides = sidesOf(a, b);
      const from = [sides[0] === 'right' ? e.x + e.w : e.x, e.y + e.h / 2];
      return Object.assign(e, { a, b, sides, from });
    });
  spreadTargets(routes);
  for (const r of routes) {
    const [na, nb] = [NORMAL[r.sides[0]], NORMAL[r.sides[1]]];
    const dx = Math.abs(r.to[0] - r.from[0]);
    const dy = Math.abs(r.to[1] - r.from[1]);
    let k = Math.max(30, Math.min(160, dx * 0.45));
    let kb = k;
    if (r.sides[0] === r.sides[1]) {
      // Around the right: both handles reach past the further of the two ends.
      const reach = Math.max(r.from[0], r.to[0]) + 30 + Math.min(120, dy * 0.25);
      k = reach - r.from[0];
      kb = reach - r.to[0];
    }
    const c1 = [r.from[0] + na[0] * k, r.from[1]];
    const c2 = [r.to[0] + nb[0] * kb, r.to[1]];
    r.d = `M${r.from} C${c1} ${c2} ${r.to}`;
  }
  return routes;
}
