/** @module `mcpproxy upstream list [-o table|json]`: the servers as the running daemon sees them. */
import type { ServerView } from '../../machines/upstream/server-view.js';
import { UsageError } from '../../services/errors.js';
import { outputFormat, parseCommandArgs } from '../args.js';
import { api, clientContext } from '../client.js';
import { paint, renderTable, useColor } from '../table.js';

export const UPSTREAM_HELP = `Usage: mcpproxy upstream list [-o table|json] [--url URL] [--config F] [--data-dir D]

Lists the upstream servers of the running daemon: NAME, PROTOCOL, STATE, HEALTH.
  -o table|json    table (default), or the array of server views exactly as
                   GET /api/v1/servers returns it
  --url URL        the daemon (default: $MCPPROXY_URL, else the config's listen address)
  --config F       config file (default: $MCPPROXY_CONFIG, else <data-dir>/mcp_config.json)
  --data-dir D     data directory (default: $MCPPROXY_DATA_DIR, else ~/.mcpproxy)
  -h, --help       show this help`;

const LEVEL_COLOR = { healthy: 'green', degraded: 'yellow', unhealthy: 'red' } as const;

/** Shortens RFC 3339 times inside a health detail to local HH:MM. */
function shortTimes(text: string): string {
  return text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/g, (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime())
      ? iso
      : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  });
}

/** The HEALTH column: `healthy (Token refresh scheduled for 14:30)`. */
export function healthCell(view: ServerView, color: boolean): string {
  const note = view.health.detail || view.health.summary;
  return `${paint(view.health.level, LEVEL_COLOR[view.health.level], color)}${note ? ` (${shortTimes(note)})` : ''}`;
}

export function renderServers(views: ServerView[], color: boolean): string {
  if (views.length === 0)
    return 'No upstream servers configured. Add them to the config file (see docs/configuration.md).';
  return renderTable(
    ['NAME', 'PROTOCOL', 'STATE', 'HEALTH'],
    views.map((v) => [v.name, v.protocol, v.state, healthCell(v, color)]),
  );
}

export async function runUpstream(argv: string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) {
    // A usage error: the help goes to stderr, as any error does.
    process.stderr.write(`${UPSTREAM_HELP}\n`);
    return 2;
  }
  if (sub === '--help' || sub === '-h') {
    out(UPSTREAM_HELP);
    return 0;
  }
  if (sub !== 'list')
    throw new UsageError(`Unknown upstream command "${sub}". Run "mcpproxy upstream --help".`);
  const { values } = parseCommandArgs('upstream list', rest, {
    output: { type: 'string', short: 'o' },
    url: { type: 'string' },
    config: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (values.help) {
    out(UPSTREAM_HELP);
    return 0;
  }
  const format = outputFormat('upstream list', values.output);
  const ctx = await clientContext({
    url: values.url,
    config: values.config,
    dataDir: values['data-dir'],
  });
  const views = await api<ServerView[]>(ctx.target, 'GET', '/api/v1/servers');
  out(format === 'json' ? JSON.stringify(views, null, 2) : renderServers(views, useColor()));
  return 0;
}
