/**
 * @module DNS-rebinding protection: the `Host` must be an allowed name (loopback names always);
 * a browser `Origin` must be same-origin or allowed, where the route changes state.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { ForbiddenError } from '../errors.js';

/** Host names every instance accepts. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

export interface HostCheckOptions {
  /** Extra accepted host names (with or without port; `'*'` accepts any). */
  allowedHosts?: string[];
  /** Whether to check `Origin` on this request (default: methods other than GET/HEAD/OPTIONS). */
  checkOrigin?: (c: Context) => boolean;
  /** Paths left unchecked (probes such as `/healthz`, whose `Host` is often an IP). */
  exempt?: string[];
}

/** The lower-case host name of a `host[:port]` value (`[::1]` keeps its brackets), or null. */
export function hostnameOf(host: string): string | null {
  if (!/^[A-Za-z0-9.\-:[\]]{1,262}$/.test(host)) return null;
  const bare = host.includes(':') && !host.startsWith('[') && host.split(':').length > 2;
  try {
    return new URL(`http://${bare ? `[${host}]` : host}`).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** How many distinct `Host` values the check remembers before it starts over. */
const MAX_KNOWN_HOSTS = 64;

/** True for methods that may change state (everything but GET, HEAD, OPTIONS). */
export const isStateChanging = (c: Context) => !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);

/** Rejects requests for a foreign `Host`, and foreign browser `Origin`s, with 403. */
export function hostCheck(options: HostCheckOptions = {}): MiddlewareHandler {
  const extra = options.allowedHosts ?? [];
  const any = extra.includes('*');
  const allowed = new Set<string>(LOOPBACK_HOSTS);
  for (const entry of extra) {
    const name = hostnameOf(entry);
    if (name) allowed.add(name);
  }
  // Says which names work: there is no setting to add a name (the configured listen host is
  // the one extra; a wildcard listen with an API key accepts any).
  const list = [...allowed];
  const names = `${list.slice(0, -1).join(', ')} or ${list.at(-1)}`;
  const hostRefused = (host: string, hostname: string | null) => {
    const port = hostname === null ? ':<port>' : (/:(\d+)$/.exec(host)?.[0] ?? '');
    return new ForbiddenError(
      `Host ${hostname === null ? 'header missing or malformed' : `"${hostname}" not allowed`} ` +
        `(DNS-rebinding protection): reach mcpproxy as ${names}, e.g. http://127.0.0.1${port}/. ` +
        'To serve other names, listen on 0.0.0.0 with an api_key.',
    );
  };
  const checkOrigin = options.checkOrigin ?? isStateChanging;
  const exempt = new Set(options.exempt ?? []);
  // Clients send the same few `Host` values: each is parsed (a URL) once, not per request.
  const hostnames = new Map<string, string | null>();
  const hostnameOfCached = (host: string) => {
    let name = hostnames.get(host);
    if (name === undefined) {
      name = hostnameOf(host);
      if (hostnames.size >= MAX_KNOWN_HOSTS) hostnames.clear();
      hostnames.set(host, name);
    }
    return name;
  };
  // Not async: an async middleware adds a promise of its own to every request.
  return function hostAndOriginCheck(c, next) {
    if (exempt.has(c.req.path)) return next();
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    const hostname = hostnameOfCached(host);
    if (!any && (hostname === null || !allowed.has(hostname))) throw hostRefused(host, hostname);
    const origin = c.req.header('origin');
    if (origin !== undefined && checkOrigin(c) && !originAllowed(origin, host, allowed, any)) {
      throw new ForbiddenError('Cross-origin request refused: the Origin is not allowed.');
    }
    return next();
  };
}

function originAllowed(origin: string, host: string, allowed: Set<string>, any: boolean): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes `Origin: null` (sandboxed frames, file://)
  }
  if (url.host.toLowerCase() === host.toLowerCase()) return true;
  return any || allowed.has(url.hostname.toLowerCase());
}
