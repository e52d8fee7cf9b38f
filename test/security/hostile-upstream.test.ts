/**
 * @module A malicious or broken upstream MCP server (SPEC §6): malformed tool entries, names no
 * MCP client accepts, a list of 20 000 tools, a list whose cursor never ends, and a 50 MB tool
 * result. Each is refused or bounded with a clear message, the rest of the server stays usable,
 * and the daemon stays up with bounded memory.
 */
import { readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { serverView, waitForView } from '../faults/support/daemon-api.js';
import { call, connectMcp, textOf } from '../faults/support/mcp-client.js';
import { startHostileMcp, type HostileMcp } from './support/hostile-mcp.js';
import { STARTUP_MS } from '../faults/support/daemon-api.js';

const echo = (name: string) => ({
  name,
  inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
});
const MB = 1024 * 1024;
const hugeAnswer = (id: unknown) =>
  `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"${'x'.repeat(50 * MB)}"}]}}`;

const servers = new Map<string, HostileMcp>();
let proxy: ProxyProcess;
let client: Client;

/** Peak resident memory of a process in MB (Linux), or null. */
function peakRssMb(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

beforeAll(async () => {
  servers.set(
    'bad',
    await startHostileMcp({
      tools: [
        echo('ok'),
        { name: 'noschema' },
        { name: 'strschema', inputSchema: { type: 'string' } },
        { inputSchema: { type: 'object' } },
        42,
        null,
        echo('has space'),
        echo('x'.repeat(200)),
        echo('ok'),
      ],
    }),
  );
  servers.set(
    'many',
    await startHostileMcp({
      tools: Array.from({ length: 20_000 }, (_, i) => ({
        ...echo(`t${i}`),
        description: 'd'.repeat(200),
      })),
    }),
  );
  servers.set('loop', await startHostileMcp({ tools: [echo('again')], endlessCursor: true }));
  servers.set(
    'big',
    await startHostileMcp({
      tools: [echo('echo'), echo('huge')],
      rawResult: (name, id) => (name === 'huge' ? hugeAnswer(id) : null),
    }),
  );
  servers.set(
    'bigsse',
    await startHostileMcp({
      tools: [echo('echo'), echo('huge')],
      rawResult: (name, id) => (name === 'huge' ? hugeAnswer(id) : null),
      sse: true,
    }),
  );
  const mcpServers = Object.fromEntries(
    [...servers].map(([n, s]) => [n, { url: s.url, protocol: 'http' }]),
  );
  proxy = await startProxy({ timeoutMs: STARTUP_MS, config: { mcpServers }, logLevel: 'info' });
  await Promise.all(
    [...servers.keys()].map((n) =>
      waitForView(proxy.url, n, (v) => !v.state.startsWith('connecting'), { timeoutMs: 30_000 }),
    ),
  );
  client = await connectMcp(proxy.url);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await proxy?.stop();
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

const warnings = () => proxy.logLines().filter((l) => Number(l.level) === 40);

describe('hostile upstream tool lists', () => {
  it('malformed tool entries are skipped with a warning; the valid tools stay usable', async () => {
    const view = await serverView(proxy.url, 'bad');
    expect(view.state).toBe('connected');
    const names = (await client.listTools()).tools
      .map((t) => t.name)
      .filter((n) => n.startsWith('bad__'));
    expect(names).toEqual(['bad__ok']);
    expect(textOf(await call(client, 'bad__ok', { message: 'still here' }))).toBe('still here');
    const skipped = warnings().filter((l) => l.server === 'bad');
    const problems = skipped.filter((l) => l.msg === 'invalid tool skipped').map((l) => l.problem);
    expect(problems).toEqual([
      expect.stringMatching(/^tool "noschema": inputSchema: /),
      expect.stringMatching(/^tool "strschema": inputSchema\.type: /),
      expect.stringMatching(/^tool #3 of page 1: name: /),
      expect.stringMatching(/^tool #4 of page 1: /),
      expect.stringMatching(/^tool #5 of page 1: /),
    ]);
    const messages = skipped.map((l) => String(l.msg));
    expect(messages).toContain('tool name with characters MCP does not allow skipped');
    expect(messages).toContain('tool name longer than 128 characters skipped');
    expect(messages).toContain('duplicate tool name skipped');
  });

  it('20 000 tools are listed and callable', async () => {
    expect((await serverView(proxy.url, 'many')).tool_count).toBe(20_000);
    const tools = (await client.listTools()).tools.filter((t) => t.name.startsWith('many__'));
    expect(tools.length).toBe(20_000);
    expect(textOf(await call(client, 'many__t19999', { message: 'last' }))).toBe('last');
  });

  it('a list whose cursor never ends is read for a bounded number of pages', async () => {
    const view = await serverView(proxy.url, 'loop');
    expect(view.state).toBe('connected');
    expect(servers.get('loop')!.calls.length).toBe(0);
    expect(textOf(await call(client, 'loop__again', { message: 'once' }))).toBe('once');
  });
});

describe('a 50 MB tool result', () => {
  it('is refused with a clear, bounded error; the session and the daemon go on', async () => {
    const peakBefore = peakRssMb(proxy.pid);
    const result = await call(client, 'big__huge', {}, 60_000);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /big .*more than 10 MB.*huge|big returned a \d+ MB result for huge, over the 10 MB limit/,
    );
    expect(textOf(await call(client, 'big__echo', { message: 'after' }))).toBe('after');
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    const peakAfter = peakRssMb(proxy.pid);
    // The answer is cut off at the limit, never held whole (50 MB of text, its string and its
    // parse add 250+ MB when read completely).
    if (peakBefore !== null && peakAfter !== null) expect(peakAfter - peakBefore).toBeLessThan(100);
  });

  it('sent as an SSE answer, it is cut off as fast and as clearly (the call does not hang)', async () => {
    const started = Date.now();
    const result = await call(client, 'bigsse__huge', {}, 60_000);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/bigsse sent more than 10 MB in answer to huge/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(textOf(await call(client, 'bigsse__echo', { message: 'after' }))).toBe('after');
  });
});
