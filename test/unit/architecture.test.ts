// House rules that keep the core provable and the adapters swappable (conventions: layer rules
// checked by a test that scans imports), and the error catalog's hygiene.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

const SRC = join(process.cwd(), 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm),
    ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1]!);
}

/** The import as a path under src/ (relative ones), or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(SRC, join(file, '..', spec)).replace(/\.js$/, '');
}

const all = files(SRC).map((f) => ({ file: relative(SRC, f), deps: imports(f).map((s) => target(f, s)) }));
const violations = (pred: (file: string, dep: string) => boolean): string[] =>
  all.flatMap(({ file, deps }) => deps.filter((d) => pred(file, d)).map((d) => `${file} imports ${d}`));

describe('layer rules', () => {
  it('core imports only core (and the error catalog): no I/O, no clock, no client libraries', () => {
    expect(violations((f, d) => f.startsWith('core/') && !d.startsWith('core/') && d !== 'errors')).toEqual([]);
  });

  it('engine imports only core, ports, the metrics interface, topology types and the error catalog', () => {
    const allowed = (d: string): boolean =>
      d.startsWith('core/') ||
      d.startsWith('ports/') ||
      d.startsWith('engine/') ||
      d === 'metrics/metrics' ||
      d === 'metrics/catalog' ||
      d === 'topology/types' ||
      d === 'errors' ||
      d === 'node:zlib';
    expect(violations((f, d) => f.startsWith('engine/') && !allowed(d))).toEqual([]);
  });

  it('only io/ imports Kafka, Redis and registry client libraries; only metrics/ imports prom-client', () => {
    const clients = ['kafkajs', 'node-rdkafka', 'ioredis', '@kafkajs/confluent-schema-registry'];
    expect(violations((f, d) => clients.includes(d) && !f.startsWith('io/'))).toEqual([]);
    expect(violations((f, d) => d === 'prom-client' && !f.startsWith('metrics/'))).toEqual([]);
  });

  it('ports hold interfaces only (no adapter imports)', () => {
    expect(
      violations(
        (f, d) =>
          f.startsWith('ports/') &&
          (d.startsWith('io/') ||
            d.startsWith('engine/') ||
            (!d.includes('/') && !d.startsWith('node:') && d !== 'errors')),
      ),
    ).toEqual([]);
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
