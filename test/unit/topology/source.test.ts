// Positions of YAML nodes by JSON pointer, through anchors and merge keys; duplicate keys.
import { describe, expect, it } from 'vitest';
import { parseTopologySource, pointer } from '../../../src/topology/source.js';

const TEXT = [
  'a:', //                      1
  '  b: &tpl', //               2
  '    role: state', //         3
  '    "03": x', //             4
  '  c: { <<: *tpl, machine: m }', // 5
  '  list:', //                 6
  '    - one', //               7
  '    - { k: v }', //          8
  '  "x/y~z": 1', //            9
  '',
].join('\n');

describe('topology source positions', () => {
  const src = parseTopologySource(TEXT, 'f.yaml');

  it('finds values, keys and list items', () => {
    expect(src.problems).toEqual([]);
    expect(src.position('/a/b/role')).toEqual({ line: 3, column: 11 });
    expect(src.position('/a/b/role', true)).toEqual({ line: 3, column: 5 });
    expect(src.position('/a/list/1/k')).toEqual({ line: 8, column: 12 });
    expect(src.position('/a/list/0')).toEqual({ line: 7, column: 7 });
  });

  it('a block map or list value is located at its key line', () => {
    expect(src.position('/a/b')).toEqual({ line: 2, column: 3 });
    expect(src.position('/a/list')).toEqual({ line: 6, column: 3 });
  });

  it('follows merge keys to the anchored template', () => {
    expect(src.position('/a/c/machine')).toEqual({ line: 5, column: 27 });
    expect(src.position('/a/c/role')).toEqual({ line: 3, column: 11 });
  });

  it('escapes and unescapes pointer segments', () => {
    expect(pointer('a', 'x/y~z')).toBe('/a/x~1y~0z');
    expect(src.position(pointer('a', 'x/y~z'))).toEqual({ line: 9, column: 12 });
  });

  it('falls back to the nearest existing ancestor', () => {
    expect(src.position('/a/b/missing/deeper')).toEqual({ line: 2, column: 3 });
    expect(src.position('')).toEqual({ line: 1, column: 1 });
  });

  it('tells how a key was written', () => {
    expect(src.keyInfo('/a/b/03')).toEqual({ source: '03', quoted: true, value: '03' });
    expect(src.keyInfo('/a/b/role')).toEqual({ source: 'role', quoted: false, value: 'role' });
    expect(src.keyInfo('/a/b/nope')).toBeUndefined();
  });
});

describe('duplicate keys', () => {
  it('are reported (1 and "1" are the same key) with both lines', () => {
    const src = parseTopologySource('tags:\n  T1: {}\n  T1: {}\nx:\n  1: a\n  "1": b\n', 'f.yaml');
    expect(src.problems.map((p) => [p.rule, p.path, p.line])).toEqual([
      ['unique-tags', '/tags/T1', 3],
      ['unique-keys', '/x/1', 6],
    ]);
    expect(src.problems[0]?.message).toContain('(the first is on line 2)');
  });

  it('syntax errors carry a line', () => {
    const src = parseTopologySource('a: [1, 2\nb: 3\n', 'f.yaml');
    expect(src.problems[0]).toMatchObject({ rule: 'yaml-syntax', severity: 'error' });
    expect(src.problems[0]?.line).toBeGreaterThan(0);
    expect(src.data).toBeUndefined();
  });
});
