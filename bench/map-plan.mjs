// mapSample on the compiled topology plan: a baseline build against this build, in ONE process,
// rounds alternating, so the ratio compares the two under the same load (issue 12, step 1).
//
//   npm run build && node bench/map-plan.mjs --baseline-commit bc2da0f
//     [--machines 2000] [--samples 1000000] [--rounds 6]
//   node bench/map-plan.mjs --baseline-dist path/to/other/dist      # an already built dist instead
//
// --baseline-commit extracts `src/` of that commit into .cache/bench/map-plan-<commit>/ and builds
// it there with the project's tsc (once; reused on the next run). Both builds compile the same
// synthetic topology (bench/lib/topology.mjs, the throughput benchmark's plant) with their own
// `compileTopology` and map the same samples with their own `mapSample` (separate module
// instances, so neither build's inline caches see the other's plan). The samples are the
// simulator's, encoded and decoded once with the project's Avro codec (outside the timing) so they
// have the shape the pipeline maps. Timed: the mapping loop only; reported per round as process CPU
// ns per sample and wall ns per sample, and the per-round ratio baseline / this build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { fmt, writeResult } from './lib/env.mjs';
import { writeSyntheticTopology } from './lib/topology.mjs';
import { benchArgs } from './lib/args.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const { values } = benchArgs(import.meta.url, {
  options: {
    'baseline-commit': { type: 'string' },
    'baseline-dist': { type: 'string' },
    machines: { type: 'string', default: '2000' },
    samples: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '6' },
  },
});
const machines = Number(values.machines);
const total = Number(values.samples);
const rounds = Number(values.rounds);

function baselineDist() {
  if (values['baseline-dist'] !== undefined) return resolve(values['baseline-dist']);
  const commit = values['baseline-commit'];
  if (commit === undefined) throw new Error('map-plan: expected --baseline-commit <sha> or --baseline-dist <dir>');
  const dir = join(ROOT, '.cache', 'bench', `map-plan-${commit}`);
  const dist = join(dir, 'dist');
  if (!existsSync(join(dist, 'topology', 'compile.js'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', [
      '-c',
      `git -C "${ROOT}" archive "${commit}" src tsconfig.json tsconfig.build.json | tar -x -C "${dir}"`,
    ]);
    // The copied tsconfig.json includes test/ and bench/, absent here: build src only.
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
  }
  return dist;
}

const builds = [
  { name: 'baseline', dist: baselineDist() },
  { name: 'this build', dist: join(ROOT, 'dist') },
];
for (const b of builds) {
  const load = (p) => import(pathToFileURL(join(b.dist, p)).href);
  b.compileTopology = (await load('topology/compile.js')).compileTopology;
  b.mapSample = (await load('core/mapping.js')).mapSample;
}

mkdirSync(join(ROOT, '.cache', 'bench'), { recursive: true });
const file = join(ROOT, '.cache', 'bench', `map-plan-topology-${machines}.yaml`);
writeSyntheticTopology({ file, machines, plantId: 'bench', topics: { raw: 'bench.raw' } });
const doc = () => YAML.parse(readFileSync(file, 'utf8'), { uniqueKeys: false });
for (const b of builds) b.plan = b.compileTopology(doc(), file, []).plant;

const { createPlantSimulator } = await import(pathToFileURL(join(ROOT, 'dist', 'sim', 'index.js')).href);
const { createLocalCodecs } = await import(pathToFileURL(join(ROOT, 'dist', 'io', 'avro', 'codecs.js')).href);
const codecs = createLocalCodecs();
const sim = createPlantSimulator(builds[1].plan, {
  seed: 7,
  startMs: Date.UTC(2026, 2, 27),
  lateShare: 0,
  badShare: 0,
  outOfOrderShare: 0.01,
  sampleIntervalMs: 60_000,
  heartbeatMs: 10_000,
});
const buffers = sim.nextCount(total).map((s) => codecs.raw.encode(s));
await codecs.prepare(buffers.slice(0, 1));
const samples = buffers.map((buf) => {
  const d = codecs.raw.decode(buf);
  if (!d.ok) throw new Error(`map-plan: the codec rejected a simulator sample: ${d.detail}`);
  return d.value;
});

function timeOnce(b) {
  const { mapSample, plan } = b;
  let ok = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < samples.length; i++) {
    const v = mapSample(plan, samples[i]);
    if (v.ok) ok++;
  }
  const wallNs = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  return {
    ok,
    cpuNsPerSample: ((c.user + c.system) * 1000) / samples.length,
    wallNsPerSample: wallNs / samples.length,
  };
}

// Warm-up: one pass each, not reported.
for (const b of builds) timeOnce(b);
const load0 = loadavg()[0];
const perRound = [];
for (let r = 0; r < rounds; r++) {
  // Alternate which build goes first.
  const order = r % 2 === 0 ? builds : [...builds].reverse();
  const got = {};
  for (const b of order) got[b.name] = timeOnce(b);
  if (got.baseline.ok !== got['this build'].ok) {
    throw new Error(`map-plan: the builds disagree: ${got.baseline.ok} vs ${got['this build'].ok} samples mapped`);
  }
  const ratio = got.baseline.cpuNsPerSample / got['this build'].cpuNsPerSample;
  perRound.push({
    ...got,
    cpuRatio: ratio,
    wallRatio: got.baseline.wallNsPerSample / got['this build'].wallNsPerSample,
  });
  console.log(
    `round ${r + 1}: baseline ${got.baseline.cpuNsPerSample.toFixed(0)} ns/sample, this build ` +
      `${got['this build'].cpuNsPerSample.toFixed(0)} ns/sample (CPU), ratio ${ratio.toFixed(2)}x`,
  );
}
const load1 = loadavg()[0];
const ratios = perRound.map((r) => r.cpuRatio).sort((a, b) => a - b);
const range = (xs) => [Math.min(...xs), Math.max(...xs)].map((x) => +x.toFixed(0));
const summary = {
  cpuRatio: {
    min: +ratios[0].toFixed(2),
    median: +ratios[Math.floor(ratios.length / 2)].toFixed(2),
    max: +ratios.at(-1).toFixed(2),
  },
  baselineCpuNsPerSample: range(perRound.map((r) => r.baseline.cpuNsPerSample)),
  thisBuildCpuNsPerSample: range(perRound.map((r) => r['this build'].cpuNsPerSample)),
  loadAverage: [load0, load1].map((x) => +x.toFixed(2)),
};
console.log(
  `mapSample, ${fmt(total)} samples of ${machines} machines, ${rounds} rounds: this build is ` +
    `${summary.cpuRatio.min}-${summary.cpuRatio.max}x (median ${summary.cpuRatio.median}x) faster in CPU; ` +
    `load average ${summary.loadAverage.join(' -> ')} on ${cpus().length} cores`,
);
const out = writeResult('map-plan', {
  params: { machines, samples: total, rounds, baseline: values['baseline-commit'] ?? values['baseline-dist'] },
  summary,
  rounds: perRound,
});
console.log(`wrote ${out}`);
