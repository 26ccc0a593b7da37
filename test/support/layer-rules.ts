// The layer rules of src/ (README "How it works", docs/odoo.md) as data: each rule looks at one
// import of one file. checkLayers runs them over a list of (file, imports), so the test can feed it
// the real tree and a fixture tree with deliberate violations (test/fixtures/architecture/).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ImportRef {
  /** A path under the root without extension (`io/kafka/factory`), or a package (`kafkajs`, `node:fs`). */
  readonly target: string;
  /** `import type` / `export type`: erased at build time, so no runtime dependency. */
  readonly typeOnly: boolean;
}

export interface SourceFile {
  /** Relative to the root, e.g. `engine/pipeline.ts`. */
  readonly file: string;
  readonly imports: readonly ImportRef[];
}

export interface LayerRule {
  readonly name: string;
  readonly why: string;
  violates(file: string, imp: ImportRef): boolean;
}

export interface Violation {
  readonly rule: string;
  readonly file: string;
  readonly target: string;
}

/** Client libraries of servers: only adapters (io/) may use them. */
export const CLIENT_LIBRARIES = [
  'avsc',
  'kafkajs',
  'node-rdkafka',
  'ioredis',
  '@kafkajs/confluent-schema-registry',
  'mqtt',
  'sparkplug-payload',
  'protobufjs',
] as const;

const under = (dir: string) => (path: string) => path.startsWith(`${dir}/`);
const isCore = under('core');
const isPorts = under('ports');
const isEngine = under('engine');
const isIo = under('io');
const isCli = under('cli');
const isTestkit = under('testkit');
/** `kafkajs`, `kafkajs/x`, `@scope/name`, `@scope/name/x` -> the package name. */
const packageOf = (target: string): string =>
  target
    .split('/')
    .slice(0, target.startsWith('@') ? 2 : 1)
    .join('/');

const ENGINE_ALLOWED = new Set(['metrics/metrics', 'metrics/catalog', 'topology/types', 'errors', 'node:zlib']);

export const LAYER_RULES: readonly LayerRule[] = [
  {
    name: 'core-is-pure',
    why: 'core/ imports only core/ and the error catalog: no I/O, no clock, no client libraries',
    violates: (f, i) => isCore(f) && !isCore(i.target) && i.target !== 'errors',
  },
  {
    name: 'engine-allow-list',
    why: 'engine/ imports only core/, ports/, engine/, the metrics interface, topology types and errors',
    violates: (f, i) =>
      isEngine(f) && !isCore(i.target) && !isPorts(i.target) && !isEngine(i.target) && !ENGINE_ALLOWED.has(i.target),
  },
  {
    name: 'only-cli-wires-io',
    why: 'only cli/ (the composition root) and io/ itself import io/ modules',
    violates: (f, i) => under('io')(i.target) && !isCli(f) && !isIo(f),
  },
  {
    name: 'io-never-imports-engine-or-cli',
    why: 'adapters sit behind ports: io/ never imports engine/ or cli/',
    violates: (f, i) => isIo(f) && (isEngine(i.target) || isCli(i.target)),
  },
  {
    name: 'client-libraries-only-in-io',
    why: `${CLIENT_LIBRARIES.join(', ')} are imported under io/ only`,
    violates: (f, i) => (CLIENT_LIBRARIES as readonly string[]).includes(packageOf(i.target)) && !isIo(f),
  },
  {
    name: 'prom-client-only-in-metrics',
    why: 'prom-client is imported under metrics/ only',
    violates: (f, i) => packageOf(i.target) === 'prom-client' && !under('metrics')(f),
  },
  {
    name: 'ports-allow-list',
    why: 'ports/ imports only ports/, core/ types (import type) and the error catalog',
    violates: (f, i) => isPorts(f) && !isPorts(i.target) && !(isCore(i.target) && i.typeOnly) && i.target !== 'errors',
  },
  {
    name: 'testkit-only-from-testkit-and-cli',
    why: 'the test kit (Odoo stand-in, oracles) is not product code: src/ imports it only from testkit/ and cli/',
    violates: (f, i) => isTestkit(i.target) && !isTestkit(f) && !isCli(f),
  },
];

const STATIC = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s)?from\s+['"]([^'"]+)['"]/gm;
const SIDE_EFFECT = /^\s*import\s+['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The imports of one file's text; relative specifiers resolved against `file` (relative to the root). */
export function importsOf(file: string, text: string): ImportRef[] {
  const target = (spec: string): string =>
    spec.startsWith('.') ? join(file, '..', spec).replace(/\.(js|ts)$/, '') : spec;
  return [
    ...[...text.matchAll(STATIC)].map((m) => ({ target: target(m[2]!), typeOnly: m[1] !== undefined })),
    ...[...text.matchAll(SIDE_EFFECT)].map((m) => ({ target: target(m[1]!), typeOnly: false })),
    ...[...text.matchAll(DYNAMIC)].map((m) => ({ target: target(m[1]!), typeOnly: false })),
  ];
}

/** Every .ts file under `root` with its imports. */
export function scanTree(root: string): SourceFile[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
    });
  return walk(root).map((p) => {
    const file = relative(root, p);
    return { file, imports: importsOf(file, readFileSync(p, 'utf8')) };
  });
}

export function checkLayers(files: readonly SourceFile[], rules: readonly LayerRule[] = LAYER_RULES): Violation[] {
  return files.flatMap(({ file, imports }) =>
    rules.flatMap((rule) =>
      imports.filter((i) => rule.violates(file, i)).map((i) => ({ rule: rule.name, file, target: i.target })),
    ),
  );
}
