/**
 * @module Property tests (fast-check): whatever the input, `parseConfig` returns or throws a
 * `ConfigError` whose every line names the file; valid configs keep their servers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/errors.js';
import { parseConfig } from '../../../services/config/index.js';

const FILE = 'prop.json';

/** Parses `text`; any exception other than a well-formed ConfigError fails the property. */
function parsesOrConfigError(text: string): void {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.message.split('\n')) expect(line.startsWith(`${FILE}:`)).toBe(true);
    expect(error.message).not.toMatch(/\n\s+at /);
  }
}

const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);

const remote = fc.record(
  {
    url: fc.webUrl({ withQueryParameters: true }),
    protocol: fc.constantFrom('http', 'sse', 'auto'),
    headers: fc.dictionary(token, fc.string()),
    enabled: fc.boolean(),
    oauth: fc.record(
      {
        client_id: token,
        scopes: fc.array(token, { maxLength: 3 }),
        redirect_uri: fc
          .integer({ min: 1, max: 65535 })
          .map((p) => `http://127.0.0.1:${p}/oauth/callback`),
        extra_params: fc.dictionary(fc.constantFrom('audience', 'prompt'), fc.string()),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['url'] },
);

const stdio = fc.record(
  {
    command: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
    args: fc.array(fc.string(), { maxLength: 4 }),
    env: fc.dictionary(token, fc.string()),
    disabled: fc.boolean(),
  },
  { requiredKeys: ['command'] },
);

const entries = fc.uniqueArray(
  fc.tuple(name, fc.oneof(remote, stdio)).map(([n, e]) => ({ name: n, ...e })),
  { selector: (e) => e.name, maxLength: 6 },
);

type Entry = { name: string; url?: string; command?: string; args?: string[] } & Record<
  string,
  unknown
>;

const validConfig = fc.record(
  {
    listen: fc.integer({ min: 0, max: 65535 }).map((p) => `127.0.0.1:${p}`),
    refresh: fc.record({
      threshold: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      min_interval_s: fc.integer({ min: 1, max: 300 }),
    }),
    as_budget_per_minute: fc.integer({ min: 1, max: 1000 }),
    mcpServers: entries,
  },
  { requiredKeys: ['mcpServers'] },
);

/** Every path into a JSON value (objects and arrays), the root excluded. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = [...prefix, Array.isArray(value) ? Number(k) : k];
    return [path, ...paths(v, path)];
  });
}

/** Replaces (or, with `undefined`, deletes) the value at `path` in a copy of `value`. */
function mutate(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement === undefined) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

/** The map shape as text, in list order (a JS object would put "0", "1" … first). */
const mapText = (list: Entry[]) =>
  `{${list.map(({ name: n, ...rest }) => `${JSON.stringify(n)}:${JSON.stringify(rest)}`).join(',')}}`;

describe('parseConfig properties', () => {
  it('arbitrary text only ever throws ConfigError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), parsesOrConfigError), { numRuns: 300 });
  });

  it('arbitrary JSON values only ever throw ConfigError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => parsesOrConfigError(JSON.stringify(value))),
      { numRuns: 300 },
    );
  });

  it('configs with arbitrary values under known keys only ever throw ConfigError', () => {
    const anyEntry = fc.dictionary(
      fc.constantFrom(
        'name',
        'url',
        'command',
        'protocol',
        'type',
        'args',
        'env',
        'headers',
        'oauth',
        'enabled',
        'disabled',
        'cwd',
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const config = fc.record(
      {
        listen: fc.jsonValue({ maxDepth: 1 }),
        api_key: fc.jsonValue({ maxDepth: 1 }),
        refresh: fc.jsonValue({ maxDepth: 2 }),
        store: fc.jsonValue({ maxDepth: 2 }),
        mcpServers: fc.oneof(fc.array(anyEntry), fc.dictionary(fc.string(), anyEntry)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, (c) => parsesOrConfigError(JSON.stringify(c))),
      { numRuns: 300 },
    );
  });

  it('listen addresses of every kind only ever throw ConfigError', () => {
    const host = fc.oneof(
      fc.ipV4(),
      fc.ipV6().map((h) => `[${h}]`),
      fc.tuple(fc.ipV6(), fc.string({ maxLength: 6 })).map(([h, zone]) => `[${h}%${zone}]`),
      fc.domain(),
      fc.string({ maxLength: 12 }),
    );
    const listen = fc.tuple(
      host,
      fc.oneof(fc.nat(70_000).map(String), fc.string({ maxLength: 3 })),
    );
    fc.assert(
      fc.property(listen, fc.boolean(), ([h, port], withKey) =>
        parsesOrConfigError(
          JSON.stringify({ listen: `${h}:${port}`, ...(withKey ? { api_key: 'k' } : {}) }),
        ),
      ),
      { numRuns: 500 },
    );
  });

  it('mutated valid configs only ever throw ConfigError', () => {
    const mutated = validConfig.chain((config) =>
      fc.tuple(
        fc.constant(config),
        fc.constantFrom(...paths(config)),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
      ),
    );
    fc.assert(
      fc.property(mutated, ([config, path, replacement]) =>
        parsesOrConfigError(JSON.stringify(mutate(config, path, replacement))),
      ),
      { numRuns: 500 },
    );
  });

  it('text edits of valid configs only ever throw ConfigError', () => {
    const edited = validConfig.chain((config) => {
      const text = JSON.stringify(config, null, 2);
      return fc.tuple(fc.constant(text), fc.nat(text.length), fc.string({ maxLength: 2 }));
    });
    fc.assert(
      fc.property(edited, ([text, at, insert]) =>
        parsesOrConfigError(text.slice(0, at) + insert + text.slice(at + 1)),
      ),
      { numRuns: 500 },
    );
  });

  it('valid configs keep every server, in order, in both shapes', () => {
    fc.assert(
      fc.property(validConfig, fc.boolean(), (config, mapShape) => {
        const list = config.mcpServers as Entry[];
        const { mcpServers: _servers, ...rest } = config;
        const head = JSON.stringify(rest).slice(0, -1);
        const servers = mapShape ? mapText(list) : JSON.stringify(list);
        const text = `${head}${head === '{' ? '' : ','}"mcpServers":${servers}}`;
        const { config: parsed } = parseConfig(text, FILE);
        expect(parsed.servers.map((s) => s.name)).toEqual(list.map((e) => e.name));
        parsed.servers.forEach((server, i) => {
          const entry = list[i];
          expect(server.url).toBe(entry.url ?? null);
          expect(server.command).toBe(entry.command ?? null);
          expect(server.args).toEqual(entry.args ?? []);
          expect(server.protocol).toBe(entry.command ? 'stdio' : (entry.protocol ?? 'auto'));
          expect(server.enabled).toBe(entry.enabled ?? !(entry.disabled ?? false));
        });
      }),
      { numRuns: 300 },
    );
  });
});
