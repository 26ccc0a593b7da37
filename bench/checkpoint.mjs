// Checkpoint cost, whole base against incremental delta (issue 12 item 2), in one process on one
// state: a WindowedProcessor fed --samples samples of the synthetic plant (bench/core.mjs's stream
// and plan), then --rounds checkpoint intervals. Each interval feeds the next --interval-s of plant
// time, but only the samples of --changed-share of the machines (a rotating set), and then takes
// both checkpoints of the same state, in alternating order:
//   full:  encodeProcessorSnapshotInSteps (what a base costs: snapshot + JSON 64 machines per turn
//          of the loop, gzip on the thread pool);
//   delta: takeDelta + encodeDeltaAsync (what a delta costs: JSON on the loop, gzip on the pool).
// Per checkpoint: process CPU (user + system, the thread pool included), the longest synchronous
// step (the largest gap between turns of a setImmediate ticker while it runs) and the bytes that
// go to Redis. At the end, the base taken before the first round plus every delta must restore to
// the processor's state byte for byte, else the script fails.
//
// Also per checkpoint: how far the heap grew above its level at the start (sampled at each tick)
// and the longest GC pause that began while it ran: a base that holds a copy of the whole state
// until it is done shows here as heap growth and as the scavenges and mark-compacts it causes.
//
//   npm run build && node bench/checkpoint.mjs
//     [--machines 2000] [--samples 1000000] [--horizon-h 1] [--rounds 8] [--interval-s 5] [--changed-share 0.01]
//     [--dist <dir>]   another build's output (e.g. a `tsc --outDir .cache/ab-base` of an older commit), for A/B
import { resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { fmt, writeResult } from './lib/env.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    machines: { type: 'string', default: '2000' },
    samples: { type: 'string', default: '1000000' },
    'horizon-h': { type: 'string', default: '1' },
    rounds: { type: 'string', default: '8' },
    'interval-s': { type: 'string', default: '5' },
    'changed-share': { type: 'string', default: '0.01' },
    dist: { type: 'string' },
  },
});
const dist = pathToFileURL(resolve(values.dist ?? new URL('../dist', import.meta.url).pathname)).href;
const { mapSample } = await import(`${dist}/core/mapping.js`);
const { WindowedProcessor } = await import(`${dist}/core/processor.js`);
const { decodeDelta, decodeSnapshot, encodeDeltaAsync, encodeProcessorSnapshotInSteps } = await import(
  `${dist}/engine/snapshot-codec.js`
);
const { createPlantSimulator, syntheticPlan } = await import(`${dist}/sim/index.js`);
const gcPauses = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push([e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });
const machines = Number(values.machines);
const total = Number(values.samples);
const rounds = Number(values.rounds);
const intervalMs = Number(values['interval-s']) * 1000;
const share = Number(values['changed-share']);
const plan = syntheticPlan({
  machines,
  amendmentHorizonMs: Number(values['horizon-h']) * 3_600_000,
  idealCycleTimeMs: 10_000,
});
const sim = createPlantSimulator(plan, {
  seed: 7,
  startMs: Date.UTC(2026, 2, 27),
  lateShare: 0,
  badShare: 0,
  outOfOrderShare: 0.01,
  sampleIntervalMs: 60_000,
  heartbeatMs: 10_000,
});
const processor = new WindowedProcessor(plan);
let simMs = 0;
const feed = (samples, keep) => {
  const events = [];
  for (const s of samples) {
    if (s.tsMs > simMs) simMs = s.tsMs;
    if (keep !== undefined && !keep.has(plan.tags.get(s.tag)?.machineId)) continue;
    const v = mapSample(plan, s);
    if (v.ok) events.push(v.event);
  }
  processor.ingest(events);
  return events.length;
};
for (let done = 0; done < total;) {
  const n = Math.min(200_000, total - done);
  feed(sim.nextCount(n));
  done += n;
}
const watermark = { expected: 1, sources: [] };

/** Runs `fn` and measures process CPU, wall time and the longest synchronous step while it runs. */
async function measure(fn) {
  let longest = 0;
  let last = process.hrtime.bigint();
  let ticking = true;
  let heapPeak = 0;
  const tick = () => {
    const now = process.hrtime.bigint();
    const gap = Number(now - last) / 1e6;
    if (gap > longest) longest = gap;
    last = now;
    const h = process.memoryUsage().heapUsed;
    if (h > heapPeak) heapPeak = h;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  await new Promise((r) => setImmediate(r));
  const cpu0 = process.cpuUsage();
  const heap0 = process.memoryUsage().heapUsed;
  heapPeak = heap0;
  const gc0 = performance.now();
  const t0 = process.hrtime.bigint();
  last = t0;
  const bytes = await fn();
  const gc1 = performance.now();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  // The gap that ends when fn resolved counts too.
  const end = process.hrtime.bigint();
  longest = Math.max(longest, Number(end - last) / 1e6);
  ticking = false;
  await new Promise((r) => setImmediate(r));
  // GC entries arrive after the pause: give the observer a turn.
  await new Promise((r) => setTimeout(r, 5));
  const longestGcMs = gcPauses.filter(([t]) => t >= gc0 && t <= gc1).reduce((m, [, d]) => Math.max(m, d), 0);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    longestStepMs: longest,
    heapGrowthMb: Math.max(0, heapPeak - heap0) / 2 ** 20,
    longestGcMs,
    bytes: bytes.length,
    buf: bytes,
  };
}

const base = await encodeProcessorSnapshotInSteps(processor, watermark);
processor.markCheckpoint();
const deltas = [];
const ids = [...plan.machines.keys()].sort();
const perRound = Math.max(1, Math.round(ids.length * share));
const rows = [];
for (let r = 0; r < rounds; r++) {
  const keep = new Set(ids.slice((r * perRound) % ids.length, ((r * perRound) % ids.length) + perRound));
  const events = feed(sim.next(simMs + intervalMs), keep);
  const full = () => measure(() => encodeProcessorSnapshotInSteps(processor, watermark));
  const delta = () => measure(() => encodeDeltaAsync({ v: 1, processor: processor.takeDelta(), watermark }));
  // The floor of the measure on this host: nothing but one trip through the thread pool.
  const noop = await measure(() => new Promise((res) => setImmediate(() => res(Buffer.alloc(0)))));
  let f;
  let d;
  // Alternate the order (the delta marks, but changes nothing the full snapshot reads).
  if (r % 2 === 0) {
    f = await full();
    d = await delta();
  } else {
    d = await delta();
    f = await full();
  }
  deltas.push(d.buf);
  const row = { round: r, events, changedMachines: keep.size };
  for (const [k, m] of [
    ['full', f],
    ['delta', d],
    ['noop', noop],
  ])
    row[k] = {
      cpuMs: +m.cpuMs.toFixed(2),
      wallMs: +m.wallMs.toFixed(2),
      longestStepMs: +m.longestStepMs.toFixed(2),
      heapGrowthMb: +m.heapGrowthMb.toFixed(1),
      longestGcMs: +m.longestGcMs.toFixed(2),
      bytes: m.bytes,
    };
  rows.push(row);
  console.log(
    `round ${r}: ${fmt(events)} events on ${keep.size} machines; full ${f.cpuMs.toFixed(1)} ms CPU, ` +
      `longest step ${f.longestStepMs.toFixed(1)} ms, heap +${f.heapGrowthMb.toFixed(1)} MB, ` +
      `longest GC ${f.longestGcMs.toFixed(1)} ms, ${fmt(f.bytes)} B; delta ${d.cpuMs.toFixed(2)} ms CPU, ` +
      `longest step ${d.longestStepMs.toFixed(2)} ms, ${fmt(d.bytes)} B; ` +
      `measure floor ${noop.cpuMs.toFixed(2)} ms CPU, ` +
      `${noop.longestStepMs.toFixed(2)} ms step`,
  );
}

// Correctness: the base before the first round plus every delta is the state now, byte for byte.
const restored = WindowedProcessor.restore(plan, decodeSnapshot(base).processor);
for (const b of deltas) restored.applyDelta(decodeDelta(b).processor);
if (JSON.stringify(restored.snapshot()) !== JSON.stringify(processor.snapshot()))
  throw new Error('checkpoint bench: base + deltas do not restore the state');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const med = (k, f) => median(rows.map((x) => x[k][f]));
const summary = {};
for (const f of ['cpuMs', 'wallMs', 'longestStepMs', 'heapGrowthMb', 'longestGcMs', 'bytes']) {
  summary[f] = {
    full: +med('full', f).toFixed(2),
    delta: +med('delta', f).toFixed(2),
    ratio: +(med('delta', f) / med('full', f)).toFixed(5),
    floor: med('noop', f),
  };
}
// With a base every 64 deltas, the mean cost of one checkpoint.
summary.amortizedCpuMs = +((summary.cpuMs.full + 64 * summary.cpuMs.delta) / 65).toFixed(2);
summary.amortizedBytes = Math.round((summary.bytes.full + 64 * summary.bytes.delta) / 65);
console.log(
  `medians over ${rounds} intervals (${machines} machines, ${values['horizon-h']} h horizon, ${fmt(total)} samples, ` +
    `${perRound} machines changed per ${intervalMs / 1000} s): CPU full ${summary.cpuMs.full.toFixed(1)} ms, ` +
    `delta ${summary.cpuMs.delta.toFixed(2)} ms (x${summary.cpuMs.ratio}); longest step full ` +
    `${summary.longestStepMs.full.toFixed(1)} ms, delta ${summary.longestStepMs.delta.toFixed(2)} ms ` +
    `(x${summary.longestStepMs.ratio}; floor ${summary.longestStepMs.floor.toFixed(2)} ms); ` +
    `heap growth full ${summary.heapGrowthMb.full} MB, delta ${summary.heapGrowthMb.delta} MB; ` +
    `longest GC pause full ${summary.longestGcMs.full} ms, delta ${summary.longestGcMs.delta} ms; ` +
    `bytes full ${fmt(summary.bytes.full)}, delta ${fmt(summary.bytes.delta)} ` +
    `(x${summary.bytes.ratio}); with a base every 64 deltas: ${summary.amortizedCpuMs} ms CPU, ` +
    `${fmt(summary.amortizedBytes)} B per checkpoint; base + ${deltas.length} deltas restore the state exactly`,
);
const params = {
  machines,
  samples: total,
  horizonHours: Number(values['horizon-h']),
  rounds,
  intervalMs,
  changedShare: share,
  dist: values.dist ?? 'dist',
};
console.log(`wrote ${writeResult('checkpoint', { params, summary, rows })}`);
