// The schema check: unknown keys are errors with a precise message, path and line; types,
// durations, enums and ids say what was expected and what was found.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, lintTopologyText } from '../../../src/topology/index.js';

const BASE = readFileSync(join(import.meta.dirname, '../../fixtures/topologies/minimal.yaml'), 'utf8');

/** The minimal fixture with one text replacement (which must apply). */
function variant(from: string, to: string): string {
  expect(BASE).toContain(from);
  return BASE.replace(from, to);
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

function schemaProblems(text: string) {
  const result = lintTopologyText(text, 'topologies/plant-a.yaml');
  expect(result.plan).toBeUndefined();
  return result.problems.filter((p) => p.rule === 'schema');
}

describe('schema: unknown keys', () => {
  it('at the top level', () => {
    const text = variant('eventTime:', 'evenTime:');
    const [p, ...rest] = schemaProblems(text);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ path: '/evenTime', line: lineOf(text, 'evenTime:'), column: 1, severity: 'error' });
    expect(p?.message).toBe(
      "unknown key 'evenTime' in the document: expected one of version, plant, eventTime, " +
        'validation, policies, topics, orders, workCenters, machines, tags, windows, ' +
        "calendar, odoo, maintenance, ingest, material (or an x- key holding YAML anchors) (did you mean 'eventTime'?)",
    );
    expect(formatProblem(p!)).toBe(
      `topologies/plant-a.yaml /evenTime (line ${lineOf(text, 'evenTime:')}): schema: ${p?.message}`,
    );
  });

  it('inside a tag (the role decides which keys are known)', () => {
    const text = variant('    rolloverAt: 65536', '    rollover: 65536');
    const [p, ...rest] = schemaProblems(text);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ path: '/tags/P01.GOOD/rollover', line: lineOf(text, 'rollover:'), column: 5 });
    expect(p?.message).toBe(
      "unknown key 'rollover' in /tags/P01.GOOD: expected one of role, machine, " +
        "description, counter, mode, rolloverAt (did you mean 'rolloverAt'?)",
    );
  });

  it('inside a flow-style window', () => {
    const text = variant('  - { kind: tumbling, size: 1m }', '  - { kind: tumbling, size: 1m, advance: 30s }');
    const [p] = schemaProblems(text);
    expect(p).toMatchObject({ path: '/windows/0/advance', line: lineOf(text, 'advance: 30s') });
    expect(p?.message).toBe("unknown key 'advance' in /windows/0: expected one of kind, name, size");
  });

  it('inside a state mapping in long form', () => {
    const text = variant('      "2": idle', '      "2": { category: idle, why: starved }');
    const [p] = schemaProblems(text);
    expect(p).toMatchObject({ path: '/tags/P01.STATE/values/2/why' });
    expect(p?.message).toBe("unknown key 'why' in /tags/P01.STATE/values/2: expected one of category, reason");
  });

  it('x- keys are allowed at the top level only', () => {
    expect(lintTopologyText(`x-anchors:\n  any: thing\n${BASE}`, 'a.yaml').problems).toEqual([]);
    const [p] = schemaProblems(variant('  name: Fixture plant', '  name: Fixture plant\n  x-note: hi'));
    expect(p?.path).toBe('/plant/x-note');
  });
});

describe('schema: values', () => {
  it('durations', () => {
    const [p] = schemaProblems(variant('  grace: 30s', '  grace: 30 sec'));
    expect(p).toMatchObject({ path: '/eventTime/grace' });
    expect(p?.message).toBe(
      "expected a duration like 250ms, 30s, 5m, 8h, 2d, 1h30m, or integer milliseconds, found '30 sec'",
    );
    const [q] = schemaProblems(variant('  grace: 30s', '  grace: -1'));
    expect(q?.message).toMatch(/expected a duration .* found number -1$/);
    const [r] = schemaProblems(variant('  grace: 30s', '  grace: 1.0005s'));
    expect(r?.message).toMatch(/found '1.0005s'$/);
  });

  it('a misspelt role, category or milestone gets a suggestion', () => {
    const [p] = schemaProblems(variant('    role: counter', '    role: countr'));
    expect(p).toMatchObject({ path: '/tags/P01.GOOD/role' });
    expect(p?.message).toBe(
      "expected one of state, reason, counter, heartbeat, milestone, order, found 'countr' (did you mean 'counter'?)",
    );
    const [q] = schemaProblems(variant('      "1": running', '      "1": runing'));
    expect(q?.message).toBe(
      "expected a category (running, idle, setup, planned_stop, down, unknown) or down/<reason>, found 'runing'",
    );
    const [r] = schemaProblems(variant('    mode: total', '    mode: totl'));
    expect(r?.message).toBe("expected one of total, delta, found 'totl' (did you mean 'total'?)");
  });

  it('missing keys, wrong types, version', () => {
    const [p] = schemaProblems(variant('    mode: total\n', ''));
    expect(p).toMatchObject({ path: '/tags/P01.GOOD', message: "missing key 'mode': expected it in /tags/P01.GOOD" });
    const [q] = schemaProblems(variant('version: 1', 'version: 2'));
    expect(q).toMatchObject({ path: '/version', message: 'expected 1, found number 2' });
    const [r] = schemaProblems(variant('    rolloverAt: 65536', '    rolloverAt: "65536"'));
    expect(r).toMatchObject({ path: '/tags/P01.GOOD/rolloverAt', message: "expected integer, found '65536'" });
    const [s] = schemaProblems(variant('  id: fixture', '  id: Fixture A'));
    expect(s?.message).toBe(
      "expected a plant id (lower-case letters, digits, - and _; e.g. stamping-berlin), found 'Fixture A'",
    );
  });

  it('keys checked by propertyNames point at the key', () => {
    const text = variant('    down: mrp.block_reason1', '    stopped: mrp.block_reason1');
    const [p] = schemaProblems(text);
    expect(p).toMatchObject({ path: '/odoo/losses/stopped', line: lineOf(text, 'stopped:'), column: 5 });
    expect(p?.message).toBe(
      "key 'stopped': expected a category (running, idle, setup, planned_stop, down, unknown) or down/<reason>",
    );
  });

  it('an empty document and a list are rejected as a whole', () => {
    expect(schemaProblems('')[0]).toMatchObject({ path: '', message: 'expected object, found nothing (null)' });
    expect(schemaProblems('- a\n')[0]).toMatchObject({ path: '', line: 1, message: 'expected object, found a list' });
  });

  it('lint rules do not run on a document that fails the schema', () => {
    const result = lintTopologyText(
      variant('    machine: press-01\n    role: counter', '    machine: press-9\n    role: countr'),
      'a.yaml',
    );
    expect(result.problems.map((p) => p.rule)).toEqual(['schema']);
  });
});
