/**
 * @module The `listen` address: `host:port`, `[ipv6]:port` or `:port`, and whether a host is a
 * loopback address (anything else needs an API key).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { ListenAddress } from './config.types.js';

/** Host used when `listen` gives only a port (`:8080`): loopback, never all interfaces. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const LISTEN_HINT = 'must be "host:port", "[ipv6]:port" or ":port", e.g. "127.0.0.1:8080"';

/**
 * Parses a listen address. Returns the address, or a message completing `"listen" …`.
 * IPv6 hosts come back without brackets (as `server.listen` wants them).
 */
export function parseListen(text: string): ListenAddress | { error: string } {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) {
    const bareV6 = isIPv6(text.replace(/:\d+$/, '')) || isIPv6(text);
    return { error: bareV6 ? `${LISTEN_HINT}; write IPv6 hosts in brackets` : LISTEN_HINT };
  }
  const [, v6, other, portText] = match;
  const port = Number(portText);
  // The caller shows the whole value (`got(text)`), so the port is not repeated here.
  if (port > 65535) return { error: 'port must be 0–65535' };
  if (v6 !== undefined) {
    return isIPv6(v6) ? { host: v6, port } : { error: `"[${v6}]" is not an IPv6 address` };
  }
  const host = other === '' ? DEFAULT_LISTEN_HOST : other;
  if (!isIPv4(host) && !HOSTNAME_RE.test(host)) {
    return { error: `"${host}" is not a valid host name or IP address` };
  }
  return { host, port };
}

/** `127.0.0.1:8080`, `[::1]:8080`. */
export function formatListen(address: ListenAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped 127.x addresses. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  // A zone id (`fe80::1%eth0`) marks a link-local address, never loopback.
  if (!isIPv6(h) || h.includes('%')) return false;
  // The WHATWG URL parser canonicalizes IPv6 (0:0:0:0:0:0:0:1 → ::1, mapped IPv4 → hex).
  const canonical = new URL(`http://[${h}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}
