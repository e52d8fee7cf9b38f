/** @module Tests for how client commands read the daemon address given by --url or $MCPPROXY_URL. */
import { describe, expect, it } from 'vitest';
import { daemonUrl } from '../../cli/client.js';
import { UsageError } from '../../services/errors.js';

describe('daemonUrl', () => {
  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://proxy.example', 'https://proxy.example'],
    ['127.0.0.1:9090', 'http://127.0.0.1:9090'],
    ['localhost:8080', 'http://localhost:8080'],
    ['http://[::1]:8080/', 'http://[::1]:8080'],
  ])('%s is the daemon at %s', (raw, origin) => {
    expect(daemonUrl('--url', raw).origin).toBe(origin);
  });

  it.each([
    ['ftp://x', 'the daemon speaks HTTP only'],
    ['ws://127.0.0.1:8080', 'the daemon speaks HTTP only'],
    ['http://127.0.0.1:', 'the port is missing after ":"'],
    ['http://[::1]:/', 'the port is missing after ":"'],
    ['127.0.0.1:', 'the port is missing after ":"'],
    ['http://', 'must be http(s)://host:port'],
  ])('%s is a usage error: %s', (raw, says) => {
    let error: unknown;
    try {
      daemonUrl('--url', raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(says);
    expect((error as Error).message).toContain(`(got "${raw}")`);
  });
});
