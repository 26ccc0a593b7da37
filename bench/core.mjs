// Core benchmark (issue 3): events/s of (a) the core alone on decoded samples, (b) Confluent
// wire-format Avro decode + the core, and a decode-only baseline loop in the same run, so the
// ratio compares across machines. Also GC time and retained state per machine.
//
//   node --expose-gc bench/core.mjs [--samples 10000000] [--machines 2000] [--horizon-h 48]
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { mapSample } from '../dist/core/mapping.js';
import { WindowedProcessor } from '../dist/core/processor.js';
import { createLocalCodecs } from '../dist/io/avro/codecs.js';
import { createPlantSimulator, syntheticPlan } from '../dist/sim/index.js';
import { fmt, writeResult } from './lib/env.mjs';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '10000000' },
    machines: { type: 'string', default: '2000' },
    'horizon-h': { type: 'string', default: '48' },
    chunk: { type: 'string', default: '500000' },
  },
});
const total = Number(values.samples);
const machines = Number(values.machines);
const chunk = Number(values.chunk);
const plan = syntheticPlan({ machines, amendmentHorizonMs: Number(values['horizon-h']) * 3_600_000, idealCycleTimeMs: 10_000 });
const startMs = Date.UTC(2026, 2, 27, 0, 0, 0);
const simOptions = { seed: 7, startMs, lateShare: 0, badShare: 0, outOfOrderShare: 0.01, sampleIntervalMs: 60_000, heartbeatMs: 10_000 };

let gcMs = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
obs.observe({ entryTypes: ['gc'] });

const codecs = createLocalCodecs();
await codecs.prepare([codecs.raw.encode({ tag: 'x', tsMs: 0, value: 1, quality: 'good' })]);

function run(mode) {
  const sim = createPlantSimulator(plan, simOptions);
  const processor = new WindowedProcessor(plan);
  let done = 0;
  let busyMs = 0;
  let summaries = 0;
  const gcBefore = gcMs;
  while (done < total) {
    const n = Math.min(chunk, total - done);
    const samples = sim.nextCount(n);
    let buffers;
    if (mode !== 'core') buffers = samples.map((s) => codecs.raw.encode(s));
    const t0 = performance.now();
    if (mode === 'decode') {
      let sink = 0;
      for (let i = 0; i < n; i++) {
        const d = codecs.raw.decode(buffers[i]);
        if (d.ok) sink += d.value.tsMs & 1;
      }
      if (sink < 0) console.log(sink);
    } else {
      const events = [];
      for (let i = 0; i < n; i++) {
        let sample = samples[i];
        if (mode === 'decode+core') {
          const d = codecs.raw.decode(buffers[i]);
          if (!d.ok) continue;
          sample = d.value;
        }
        const v = mapSample(plan, sample);
        if (v.ok) events.push(v.event);
      }
      summaries += processor.ingest(events).summaries.length;
    }
    busyMs += performance.now() - t0;
    done += n;
  }
  return { mode, events: done, seconds: busyMs / 1000, eventsPerSec: done / (busyMs / 1000), gcMs: gcMs - gcBefore, summaries, processor };
}

const results = {};
for (const mode of ['decode', 'core', 'decode+core']) {
  global.gc?.();
  const r = run(mode);
  results[mode] = { eventsPerSec: Math.round(r.eventsPerSec), seconds: +r.seconds.toFixed(2), gcMs: Math.round(r.gcMs), summaries: r.summaries };
  console.log(`${mode.padEnd(12)} ${fmt(r.eventsPerSec).padStart(12)} events/s  (${r.seconds.toFixed(1)} s busy, GC ${fmt(r.gcMs)} ms, ${fmt(r.summaries)} summaries)`);
  if (mode === 'core') {
    // Retained state: heap with the processor alive minus heap after dropping it.
    global.gc?.();
    const withState = process.memoryUsage().heapUsed;
    const snapshotBytes = JSON.stringify(r.processor.snapshot()).length;
    r.processor = null;
    global.gc?.();
    const without = process.memoryUsage().heapUsed;
    results.state = {
      heapBytesPerMachine: Math.round((withState - without) / machines),
      snapshotJsonBytesPerMachine: Math.round(snapshotBytes / machines),
      note: 'history retained for the amendment horizon plus the longest window; see bench/README.md',
    };
    console.log(`state        ${fmt(results.state.heapBytesPerMachine)} heap bytes/machine, ${fmt(results.state.snapshotJsonBytesPerMachine)} snapshot bytes/machine`);
  }
}
results.ratios = {
  decodeCoreOverDecodeOnly: +(results['decode+core'].eventsPerSec / results.decode.eventsPerSec).toFixed(3),
  coreOverDecodeOnly: +(results.core.eventsPerSec / results.decode.eventsPerSec).toFixed(3),
};
console.log(`ratios       decode+core / decode-only = ${results.ratios.decodeCoreOverDecodeOnly}, core / decode-only = ${results.ratios.coreOverDecodeOnly}`);
const file = writeResult('core', { params: { samples: total, machines, horizonHours: Number(values['horizon-h']), chunk }, results });
console.log(`wrote ${file}`);
