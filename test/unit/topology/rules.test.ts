// Every lint rule has a fixture in test/fixtures/topologies/<rule>.yaml whose `# expect:` header
// lists every problem the file must produce (rule, path, line, and `warning` for warnings).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../src/errors.js';
import { lintTopologyFile, loadTopology, PARSE_RULES, RULES } from '../../../src/topology/index.js';

const DIR = join(import.meta.dirname, '../../fixtures/topologies');

interface Expectation {
  readonly rule: string;
  readonly path: string;
  readonly line: number;
  readonly severity: 'error' | 'warning';
}

function expectationsOf(file: string): Expectation[] {
  const out: Expectation[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^# expect: (\S+) (\S+) line (\d+)( warning)?$/.exec(line);
    if (m !== null)
      out.push({
        rule: m[1] ?? '',
        path: m[2] === '/' ? '' : (m[2] ?? ''),
        line: Number(m[3]),
        severity: m[4] === undefined ? 'error' : 'warning',
      });
  }
  return out;
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('lint rule fixtures', () => {
  it('every rule has a fixture named after it that triggers it', () => {
    for (const rule of [...PARSE_RULES, ...RULES]) {
      const file = `${rule.name}.yaml`;
      expect(fixtures, `fixture for rule ${rule.name}`).toContain(file);
      expect(expectationsOf(join(DIR, file)).map((e) => e.rule)).toContain(rule.name);
    }
  });

  it('rule names are unique', () => {
    const names = [...PARSE_RULES, ...RULES].map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('the minimal fixture is clean (the base of the rule fixtures)', () => {
    expect(expectationsOf(join(DIR, 'minimal.yaml'))).toEqual([]);
    expect(lintTopologyFile(join(DIR, 'minimal.yaml')).problems).toEqual([]);
  });

  for (const name of fixtures.filter((f) => f !== 'minimal.yaml')) {
    it(`${name}: produces exactly the problems its header lists`, () => {
      const file = join(DIR, name);
      const expected = expectationsOf(file);
      expect(expected.length, 'a rule fixture must expect at least one problem').toBeGreaterThan(0);
      const result = lintTopologyFile(file);
      const found = result.problems.map((p) => ({ rule: p.rule, path: p.path, line: p.line, severity: p.severity }));
      expect(found).toEqual(expected);
      for (const p of result.problems) {
        expect(p.file).toBe(file);
        expect(p.column).toBeGreaterThan(0);
        expect(p.message.length).toBeGreaterThan(20);
        expect(p.message).toMatch(/expected/);
      }
      if (expected.some((e) => e.severity === 'error')) {
        expect(result.plan).toBeUndefined();
        expect(() => loadTopology(file)).toThrow(TopologyError);
      } else {
        const plan = loadTopology(file);
        expect(plan.warnings.map((w) => w.rule)).toEqual(expected.map((e) => e.rule));
      }
    });
  }
});

describe('problem messages', () => {
  it('grace-lt-smallest-window reads like the house example', () => {
    const [p] = lintTopologyFile(join(DIR, 'grace-lt-smallest-window.yaml')).problems;
    expect(p?.message).toBe(
      "graceMs (900000) must be smaller than sizeMs (300000) of window '5m': expected grace < 5m, found 15m",
    );
  });

  it('a thrown TopologyError lists every error with file, path, line and rule', () => {
    const file = join(DIR, 'unknown-work-center.yaml');
    let caught: unknown;
    try {
      loadTopology(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TopologyError);
    const err = caught as TopologyError;
    expect(err.code).toBe('SHIFTSTREAM_TOPOLOGY_INVALID');
    expect(err.message).toContain(
      `${file} /machines/press-01/workCenter (line 18): ` +
        `unknown-work-center: machine 'press-01' names work center 'press-1'`,
    );
    expect(err.message).toContain(`${file} /workCenters/press-01 (line 13): state-machine-has-state-tag:`);
    expect(err.message).not.toContain('counters-named'); // warnings are not errors
    expect((err.details['problems'] as unknown[]).length).toBe(3);
  });

  it('the core calendar finds what the rules do not (override against the next day) and names the shift', () => {
    const [p] = lintTopologyFile(join(DIR, 'shifts-valid-core.yaml')).problems;
    expect(p?.rule).toBe('shifts-valid');
    expect(p?.message).toContain('overrides[0].shifts[0] (long)');
  });
});
