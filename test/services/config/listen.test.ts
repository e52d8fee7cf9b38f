/** @module Tests for listen addresses, loopback detection and `serverTarget`. */
import { describe, expect, it } from 'vitest';
import { serverKey } from '../../../services/server-key.js';
import {
  formatListen,
  isLoopbackHost,
  parseListen,
  serverTarget,
} from '../../../services/config/index.js';

describe('parseListen / formatListen', () => {
  it.each([
    ['127.0.0.1:8080', '127.0.0.1', 8080],
    ['[::1]:8080', '::1', 8080],
    [':8080', '127.0.0.1', 8080],
    ['0.0.0.0:80', '0.0.0.0', 80],
    ['my-host.local:1', 'my-host.local', 1],
  ])('%s', (text, host, port) => {
    const address = parseListen(text);
    expect(address).toEqual({ host, port });
    if (!text.startsWith(':')) expect(formatListen({ host, port })).toBe(text);
  });

  it.each([
    '8080',
    'localhost',
    '::1:80',
    '[::1]',
    '[nope]:1',
    'a b:1',
    'h:65536',
    'h:-1',
    'h:80x',
  ])('rejects %s', (text) => {
    expect(parseListen(text)).toHaveProperty('error');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['LocalHost', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['::ffff:10.0.0.1', false],
    ['example.com', false],
    ['fe80::1%eth0', false],
    ['localhost.example.com', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('serverTarget', () => {
  it('is the url of a remote server', () => {
    expect(serverTarget({ url: 'https://x/mcp', command: null, args: [] })).toBe('https://x/mcp');
  });

  it('is the command line of a stdio server, quoted where needed', () => {
    const entry = { url: null, command: 'npx', args: ['-y', '@scope/server', '/my docs', "it's"] };
    expect(serverTarget(entry)).toBe(`npx -y @scope/server '/my docs' 'it'\\''s'`);
  });

  it('distinguishes argument splits, so store keys differ', () => {
    const joined = serverTarget({ url: null, command: 'x', args: ['a b'] });
    const split = serverTarget({ url: null, command: 'x', args: ['a', 'b'] });
    expect(serverKey('s', joined)).not.toBe(serverKey('s', split));
  });
});
