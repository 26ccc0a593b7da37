#!/usr/bin/env node
// Where the memory of a large plant goes (issue 12, "20,000 machines in one process <= 1 GiB RSS"),
// in process, without Kafka: the stages of `shiftstream run` one at a time, each measured after full
// GCs (needs --expose-gc): the topology YAML (text and parse), the compiled plan, the simulator
// that feeds the probe (subtracted), stage 1's mapping and four partitions' WindowedProcessors
// (work centers spread over 4 partitions as the enriched topic's key does) after N samples.
//   npm run build && node --expose-gc bench/memory.mjs [--machines 20000] [--samples 1000000] [--chunk 50000]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import YAML from 'yaml';
import { compileTopology } from '../dist/topology/compile.js';
import { mapSample } from '../dist/core/mapping.js';
import { WindowedProcessor } from '../dist/core/processor.js';
import { createPlantSimulator } from '../dist/sim/index.js';
import { runTopics, writeSyntheticTopology } from './lib/topology.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    machines: { type: 'string', default: '20000' },
    samples: { type: 'string', default: '1000000' },
    chunk: { type: 'string', default: '50000' },
    partitions: { type: 'string', default: '4' },
  },
});
if (globalThis.gc === undefined) throw new Error('run with node --expose-gc');
const machines = Number(values.machines);
const total = Number(values.samples);
const chunk = Number(values.chunk);
const partitions = Number(values.partitions);

const MB = (b) => (b / 1e6).toFixed(1);
async function settled() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await tick();
  }
  const u = process.memoryUsage();
  return { rss: u.rss, heap: u.heapUsed, ab: u.arrayBuffers, ext: u.external };
}
let prev = await settled();
const rows = [];
async function stage(name) {
  const now = await settled();
  const row = {
    stage: name,
    rssMB: MB(now.rss),
    heapMB: MB(now.heap),
    arrayBuffersMB: MB(now.ab),
    dHeapPlusAbMB: MB(now.heap + now.ab - prev.heap - prev.ab),
    dRssMB: MB(now.rss - prev.rss),
    peakRssSoFarMB: MB(process.resourceUsage().maxRSS * 1024),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  prev = now;
}
await stage('start');

const file = join(new URL('../.cache', import.meta.url).pathname, `memory-topology-${machines}.yaml`);
writeSyntheticTopology({ file, machines, plantId: `bench-${machines}`, topics: runTopics('raw', 'mem') });
let text = readFileSync(file, 'utf8');
let doc = YAML.parse(text, { uniqueKeys: false });
await stage(`yaml text ${MB(text.length)} MB + parsed object held`);
const topology = compileTopology(doc, file, []);
await stage('compiled plan (yaml still held)');
// Dropped so the next stage measures the plan alone.
// eslint-disable-next-line no-useless-assignment
text = null;
// eslint-disable-next-line no-useless-assignment
doc = null;
await stage('yaml dropped: plan alone');
const plan = topology.plant;

const sim = createPlantSimulator(plan, {
  seed: 7,
  startMs: Date.parse('2026-03-02T00:00:00.000Z'),
  outOfOrderShare: 0,
  lateShare: 0,
  badShare: 0,
});
await stage('simulator (probe only, not in the pipeline)');

const wcIndex = new Map([...plan.workCenters.keys()].map((id, i) => [id, i % partitions]));
const processors = Array.from({ length: partitions }, () => new WindowedProcessor(plan));
await stage(`${partitions} empty WindowedProcessors`);

let done = 0;
let summaries = 0;
let events = 0;
while (done < total) {
  const n = Math.min(chunk, total - done);
  let samples = sim.nextCount(n);
  const perPart = processors.map(() => []);
  for (const s of samples) {
    const v = mapSample(plan, s);
    if (!v.ok) continue;
    perPart[wcIndex.get(v.event.workCenterId)].push(v.event);
    events++;
  }
  // eslint-disable-next-line no-useless-assignment
  samples = null;
  for (let p = 0; p < partitions; p++) summaries += processors[p].ingest(perPart[p]).summaries.length;
  done += n;
  await tick();
}
await stage(`${partitions} processors after ${total} samples (${events} events, ${summaries} summaries)`);
const peak = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ machines, samples: total, peakRssMB: MB(peak), processors: processors.length }));
