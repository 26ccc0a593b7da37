// House rules that keep the core provable and the adapters swappable (conventions: layer rules
// checked by a test that scans imports), and the error catalog's hygiene. The rules are data
// (test/support/layer-rules.ts); a fixture tree with a deliberate violation per rule shows that
// each of them can fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { LAYER_RULES, checkLayers, importsOf, scanTree } from '../support/layer-rules.js';

const SRC = join(process.cwd(), 'src');
const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'architecture', 'src');

const all = scanTree(SRC);
const show = (vs: readonly { rule: string; file: string; target: string }[]): string[] =>
  vs.map((v) => `${v.rule}: ${v.file} imports ${v.target}`).sort();

describe('layer rules', () => {
  it.each(LAYER_RULES.map((r) => [r.name, r] as const))('%s holds in src/', (_name, rule) => {
    expect(show(checkLayers(all, [rule])), rule.why).toEqual([]);
  });

  it('the scan sees the tree: imports of every layer, type-only ones told apart', () => {
    const pipeline = all.find((f) => f.file === 'engine/pipeline.ts');
    expect(pipeline?.imports).toContainEqual({ target: 'ports/clock', typeOnly: true });
    expect(pipeline?.imports).toContainEqual({ target: 'engine/stage-one', typeOnly: false });
    expect(all.filter((f) => f.file.startsWith('cli/')).flatMap((f) => f.imports.map((i) => i.target))).toEqual(
      expect.arrayContaining(['io/kafka/factory', 'engine/pipeline']),
    );
    expect(all.length).toBeGreaterThan(150);
  });
});

describe('layer rules fail on a tree that breaks them (test/fixtures/architecture)', () => {
  const violations = show(checkLayers(scanTree(FIXTURE)));

  it('reports exactly the deliberate violations, and nothing the rules allow', () => {
    expect(violations).toEqual([
      'client-libraries-only-in-io: report/loads-ioredis.ts imports ioredis',
      'client-libraries-only-in-io: report/uses-kafkajs.ts imports kafkajs',
      'core-is-pure: core/uses-engine.ts imports engine/run',
      'engine-allow-list: engine/uses-io.ts imports io/adapter',
      'io-never-imports-engine-or-cli: io/uses-cli.ts imports cli/main',
      'io-never-imports-engine-or-cli: io/uses-engine.ts imports engine/run',
      'only-cli-wires-io: demo/side-effect.ts imports io/adapter',
      'only-cli-wires-io: demo/uses-io.ts imports io/adapter',
      'only-cli-wires-io: engine/uses-io.ts imports io/adapter',
      'ports-allow-list: ports/uses-node.ts imports node:fs',
      'ports-allow-list: ports/uses-topology.ts imports topology/plan',
      'ports-allow-list: ports/value-core.ts imports core/time',
      'prom-client-only-in-metrics: sim/uses-prom.ts imports prom-client',
      'testkit-only-from-testkit-and-cli: http/uses-testkit.ts imports testkit/standin',
    ]);
  });

  it.each(LAYER_RULES.map((r) => r.name))('%s reports its violation', (name) => {
    expect(violations.filter((v) => v.startsWith(`${name}: `)).length).toBeGreaterThan(0);
  });

  it('reads every import form: type-only, inline type specifiers (kept at runtime), side effect, dynamic', () => {
    const text = [
      "import type { A } from '../core/a.js';",
      "import { type B } from '../core/b.js';",
      'export {',
      '  c,',
      "} from './c.js';",
      "import '../io/d.js';",
      "const e = await import('kafkajs');",
      "export type { F } from '@scope/pkg/sub';",
    ].join('\n');
    expect(importsOf('ports/x.ts', text)).toEqual([
      { target: 'core/a', typeOnly: true },
      { target: 'core/b', typeOnly: false },
      { target: 'ports/c', typeOnly: false },
      { target: '@scope/pkg/sub', typeOnly: true },
      { target: 'io/d', typeOnly: false },
      { target: 'kafkajs', typeOnly: false },
    ]);
  });
});

describe('error catalog', () => {
  it('every code has the SHIFTSTREAM_ prefix and a documentation line', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^SHIFTSTREAM_[A-Z_]+$/);
      expect(spec.doc.length, code).toBeGreaterThan(10);
    }
  });

  it('every code used in src/ is in the catalog', () => {
    const used = new Set(
      all.flatMap(({ file }) =>
        [...readFileSync(join(SRC, file), 'utf8').matchAll(/'(SHIFTSTREAM_[A-Z_]+)'/g)].map((m) => m[1]!),
      ),
    );
    const unknown = [...used].filter((c) => !(c in ERROR_CODES) && !c.startsWith('SHIFTSTREAM_INFRA_'));
    expect(unknown).toEqual([]);
  });
});
