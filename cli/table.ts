/** @module Plain-text tables and colours for the CLI (NO_COLOR and non-TTY honoured). */

const COLORS = { green: 32, yellow: 33, red: 31, dim: 2 } as const;

/** Whether to colour output written to `stream`. */
export function useColor(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  // no-color.org: only a non-empty NO_COLOR turns colour off.
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function paint(text: string, color: keyof typeof COLORS, enabled: boolean): string {
  return enabled ? `\u001b[${COLORS[color]}m${text}\u001b[0m` : text;
}

const visibleLength = (s: string) => s.replace(/\u001b\[\d+m/g, '').length;

/** Renders rows under a header with columns padded to the widest cell (two spaces apart). */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
