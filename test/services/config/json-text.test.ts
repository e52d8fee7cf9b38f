/** @module Tests for `parseJsonText`: positions, paths and duplicate keys. */
import { describe, expect, it } from 'vitest';
import { formatPath, parseJsonText } from '../../../services/config/json-text.js';

describe('parseJsonText', () => {
  it('parses what JSON.parse parses, ignoring a BOM', () => {
    const text = '\ufeff{"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null], "b": {}}';
    expect(parseJsonText(text)).toMatchObject({
      ok: true,
      value: JSON.parse(text.slice(1)),
      duplicates: [],
    });
  });

  it.each([
    ['{"a": 1,\n "b": }', 2, 7, 'b', 'expected a value'],
    ['{"a": [1, 2', 1, 12, 'a', 'unexpected end of file'],
    ['{"a": "x', 1, 7, 'a', 'unterminated string'],
    ['{"a": "\\q"}', 1, 8, 'a', 'invalid escape'],
    ['{"a": 01}', 1, 8, 'a', 'invalid number'],
    ['{"a": 1} x', 1, 10, '', 'unexpected text after the end'],
    ['{"a": True}', 1, 7, 'a', 'expected a value'],
    ['{"my key": [{"b": /* */ 1}]}', 1, 19, '["my key"][0].b', 'comments are not allowed'],
  ])('%j fails at %i:%i in %j', (text, line, column, path, says) => {
    const result = parseJsonText(text);
    expect(result).toMatchObject({ ok: false, line, column, path });
    expect(result.ok === false && result.message).toContain(says);
  });

  it('reports keys written twice, with their position', () => {
    const result = parseJsonText('{"a": 1,\n "s": {"x": 1, "x": 2},\n "a": 3}');
    expect(result).toMatchObject({
      ok: true,
      value: { a: 3, s: { x: 2 } },
      duplicates: [
        { path: ['s'], key: 'x', line: 2, column: 16 },
        { path: [], key: 'a', line: 3, column: 2 },
      ],
    });
  });

  it('records key order of the top two levels as written', () => {
    const result = parseJsonText('{"mcpServers": {"b": {"z": 1, "1": 2}, "10": {}, "a": {}}}');
    expect(result.ok && [...result.keyOrder]).toEqual([
      ['[]', ['mcpServers']],
      ['["mcpServers"]', ['b', '10', 'a']],
    ]);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    const result = parseJsonText('['.repeat(100_000));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('nesting') });
  });

  it('formats paths', () => {
    expect(formatPath(['mcpServers', 2, 'oauth', 'extra-params'])).toBe(
      'mcpServers[2].oauth["extra-params"]',
    );
  });
});
