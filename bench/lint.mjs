// Topology lint time against the plant's size (issue 12: "lint of a 2,000-machine topology <= 2 s").
// For each size it writes the synthetic plant (bench/lib/topology.mjs: six tags per machine with
// value tables, one work center per machine), then measures, in this process and as process CPU
// (a loaded host distorts it less than wall time), the whole lint (`lintTopologyText`: YAML with
// positions, duplicate keys, schema, every rule, compile) and, as the floor of the same run, the
// `yaml` package's own `parseDocument` of the same text: the part no rule of ours can remove.
// The scaling exponent between the smallest and the largest size says whether lint is linear (1)
// or quadratic (2).
//   npm run build && node bench/lint.mjs [--machines 500,1000,2000,4000] [--rounds 3]
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { lintTopologyText } from '../dist/topology/load.js';
import { writeResult } from './lib/env.mjs';
import { runTopics, writeSyntheticTopology } from './lib/topology.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    machines: { type: 'string', default: '500,1000,2000,4000' },
    rounds: { type: 'string', default: '3' },
  },
});
const sizes = values.machines.split(',').map(Number);
const rounds = Number(values.rounds);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const measure = (fn) => {
  const t = cpuMs();
  const w = performance.now();
  fn();
  return { cpuMs: cpuMs() - t, wallMs: performance.now() - w };
};

const rows = [];
for (const machines of sizes) {
  const file = join(tmpdir(), `shiftstream-lint-bench-${machines}.yaml`);
  writeSyntheticTopology({ file, machines, plantId: 'synth', topics: runTopics('raw', 'lint') });
  const text = readFileSync(file, 'utf8');
  const lint = [];
  const floor = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so neither always runs after the other's garbage.
    const a = () => {
      let result;
      lint.push(measure(() => (result = lintTopologyText(text, file))));
      if (result.plan === undefined)
        throw new Error(`lint of ${file} found errors: ${JSON.stringify(result.problems)}`);
    };
    const b = () =>
      floor.push(
        measure(() => parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: false, merge: true })),
      );
    if (r % 2 === 0) {
      a();
      b();
    } else {
      b();
      a();
    }
  }
  const row = {
    machines,
    tags: machines * 6,
    bytes: text.length,
    lintCpuMs: Math.round(median(lint.map((x) => x.cpuMs))),
    lintWallMs: Math.round(median(lint.map((x) => x.wallMs))),
    yamlParseCpuMs: Math.round(median(floor.map((x) => x.cpuMs))),
  };
  row.lintOverYamlParse = +(row.lintCpuMs / row.yamlParseCpuMs).toFixed(2);
  rows.push(row);
  console.log(
    `${String(machines).padStart(6)} machines (${row.tags} tags, ${(row.bytes / 1e6).toFixed(1)} MB): lint ` +
      `${row.lintCpuMs} ms CPU (${row.lintWallMs} ms wall), yaml parseDocument alone ${row.yamlParseCpuMs} ms CPU, ` +
      `lint / parse ${row.lintOverYamlParse}`,
  );
}
const first = rows[0];
const last = rows.at(-1);
const exponent = +(Math.log(last.lintCpuMs / first.lintCpuMs) / Math.log(last.machines / first.machines)).toFixed(2);
console.log(`scaling exponent ${first.machines} -> ${last.machines} machines: ${exponent} (1 = linear, 2 = quadratic)`);
const file = writeResult('lint', { params: { sizes, rounds }, rows, exponent });
console.log(`wrote ${file}`);
