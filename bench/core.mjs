// Core benchmark (issue 3): events/s of (a) the core alone on decoded samples (tag mapping +
// WindowedProcessor), (b) Confluent wire-format Avro decode + the core, and a decode-only baseline
// loop in the same run, so the ratio compares across machines. Also GC time, retained heap per
// machine and snapshot size per machine.
//
//   npm run build && node --expose-gc bench/core.mjs [--samples 10000000] [--machines 2000] [--horizon-h 48]
//
// Only the processing of each chunk is timed: generating samples (and, for the decode modes,
// encoding them) happens outside the timed section. GC time is the sum of the `gc` performance
// entries seen while a mode ran (they are delivered asynchronously, hence the awaits between
// chunks). `--digest` also prints a SHA-256 over every summary the core emitted, so two builds can
// be checked to produce byte-identical output on the benchmark stream.
//
// A/B in one process (core mode only, variants alternated in ABBA order round by round, so both
// see the same machine load; compared by the process CPU time of the timed sections, which a
// loaded host distorts less than wall time): `--ab <dist dir>` compares this checkout's build with another one
// (e.g. a build of an earlier commit); `--attribution-ab` compares order attribution
// (docs/semantics.md section 11) off and on in this build. `--orders` gives each work center an
// order tag, an order signal every `--order-every` samples (the reference changes every 20 minutes
// of event time, some "no order") and an Odoo snapshot with a running work order; events/s count
// the raw samples only.
//
//   node --expose-gc bench/core.mjs --orders --attribution-ab --rounds 5 --samples 1000000
import { createHash } from 'node:crypto';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLocalCodecs } from '../dist/io/avro/codecs.js';
import { createPlantSimulator, syntheticPlan } from '../dist/sim/index.js';
import { fmt, writeResult } from './lib/env.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    samples: { type: 'string', default: '10000000' },
    machines: { type: 'string', default: '2000' },
    'horizon-h': { type: 'string', default: '48' },
    chunk: { type: 'string', default: '500000' },
    modes: { type: 'string', default: 'decode,core,decode+core' },
    digest: { type: 'boolean', default: false },
    ab: { type: 'string' },
    'attribution-ab': { type: 'boolean', default: false },
    orders: { type: 'boolean', default: false },
    'order-every': { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    interleave: { type: 'boolean', default: false },
    // Single-mode runs (e.g. under --cpu-prof): force order attribution off or on.
    attribution: { type: 'string' },
  },
});

async function loadLib(dir) {
  const base = `${pathToFileURL(resolve(dir)).href}/`;
  const { mapSample } = await import(`${base}core/mapping.js`);
  const { WindowedProcessor } = await import(`${base}core/processor.js`);
  return { mapSample, WindowedProcessor };
}
const here = await loadLib(new URL('../dist', import.meta.url).pathname);
const total = Number(values.samples);
const machines = Number(values.machines);
const chunk = Number(values.chunk);
const modes = values.modes.split(',');
const basePlan = syntheticPlan({
  machines,
  amendmentHorizonMs: Number(values['horizon-h']) * 3_600_000,
  idealCycleTimeMs: 10_000,
});
const orderTag = (machineId) => `${machineId}.RUN_ORDER`;
const plan = values.orders
  ? {
      ...basePlan,
      tags: new Map([
        ...basePlan.tags,
        ...[...basePlan.workCenters.values()].map((wc) => [
          orderTag(wc.stateMachineId),
          { kind: 'order', tag: orderTag(wc.stateMachineId), machineId: wc.stateMachineId },
        ]),
      ]),
    }
  : basePlan;
const orderEvery = Number(values['order-every']);
/** Order signals among the samples (raw samples counted; the signals ride along). */
function withOrders(samples) {
  if (!values.orders) return samples;
  const out = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    out.push(s);
    if (i % orderEvery !== 0) continue;
    const machineId = s.tag.slice(0, s.tag.indexOf('.'));
    const k = Math.floor(s.tsMs / 1_200_000) + machineId.length * 7;
    out.push({ tag: orderTag(machineId), tsMs: s.tsMs, value: k % 6 === 0 ? '' : `MO/${k % 5}`, quality: 'good' });
  }
  return out;
}
const startMs = Date.UTC(2026, 2, 27, 0, 0, 0);
/** The Odoo work order every work center's snapshot has running (with `--orders`). */
const odooLine = {
  workOrderId: 1,
  name: 'WO/1',
  state: 'progress',
  productionId: 1,
  productionName: 'MO/odoo',
  productId: null,
  productName: null,
  qtyProduction: 1,
  qtyProduced: 0,
  dateStartMs: startMs - 3_600_000,
  dateFinishedMs: null,
};
const simOptions = {
  seed: 7,
  startMs,
  lateShare: 0,
  badShare: 0,
  outOfOrderShare: 0.01,
  sampleIntervalMs: 60_000,
  heartbeatMs: 10_000,
};

let gcMs = 0;
let gcCount = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcCount++;
  }
});
obs.observe({ entryTypes: ['gc'] });

async function settledHeap() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await tick();
  }
  const u = process.memoryUsage();
  return u.heapUsed + u.arrayBuffers; // typed-array backing stores live outside the JS heap
}

const codecs = createLocalCodecs();
await codecs.prepare([codecs.raw.encode({ tag: 'x', tsMs: 0, value: 1, quality: 'good' })]);

const singleOptions =
  values.attribution === undefined ? {} : { attribution: values.attribution === 'on' || values.attribution === 'true' };
async function run(mode, variant = { lib: here, options: singleOptions }) {
  const { mapSample, WindowedProcessor } = variant.lib;
  const sim = createPlantSimulator(plan, simOptions);
  const heapBefore = await settledHeap();
  const processor = new WindowedProcessor(plan, variant.options);
  if (values.orders && typeof processor.applyOrdersSnapshot === 'function') {
    for (const wc of plan.workCenters.values()) {
      processor.applyOrdersSnapshot({
        workCenterId: wc.workCenterId,
        atMs: startMs,
        workOrders: [odooLine],
      });
    }
  }
  const digest = createHash('sha256');
  let done = 0;
  let busyMs = 0;
  let cpuUs = 0;
  let summaries = 0;
  let ingestMs = 0;
  let gcTimedMs = 0;
  let gcTimedCount = 0;
  while (done < total) {
    const n = Math.min(chunk, total - done);
    let samples = withOrders(sim.nextCount(n));
    let buffers;
    const m = samples.length;
    if (mode !== 'core') buffers = samples.map((s) => codecs.raw.encode(s));
    if (mode !== 'core') samples = null;
    await tick(); // deliver GC entries of the generation step before timing
    const gcOutside = gcMs;
    const gcCountOutside = gcCount;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    if (mode === 'decode') {
      let sink = 0;
      for (let i = 0; i < m; i++) {
        const d = codecs.raw.decode(buffers[i]);
        if (d.ok) sink += d.value.tsMs & 1;
      }
      if (sink < 0) console.log(sink);
    } else {
      const events = [];
      for (let i = 0; i < m; i++) {
        let sample;
        if (mode === 'decode+core') {
          const d = codecs.raw.decode(buffers[i]);
          if (!d.ok) continue;
          sample = d.value;
        } else sample = samples[i];
        const v = mapSample(plan, sample);
        if (v.ok) events.push(v.event);
      }
      const t1 = performance.now();
      const out = processor.ingest(events);
      ingestMs += performance.now() - t1;
      summaries += out.summaries.length;
      if (values.digest) digest.update(JSON.stringify(out.summaries));
      if (values.digest && out.orderSummaries?.length > 0) digest.update(JSON.stringify(out.orderSummaries));
    }
    busyMs += performance.now() - t0;
    const c1 = process.cpuUsage(c0);
    cpuUs += c1.user + c1.system;
    // Drop the batch before the next one is generated (heap figures count live data only).
    // eslint-disable-next-line no-useless-assignment
    samples = null;
    buffers = null;
    done += n;
    await tick();
    // GC entries delivered now belong to the timed section (those of the generation step came before).
    gcTimedMs += gcMs - gcOutside;
    gcTimedCount += gcCount - gcCountOutside;
  }
  const result = {
    mode,
    events: done,
    seconds: busyMs / 1000,
    cpuSeconds: cpuUs / 1e6,
    eventsPerSec: done / (busyMs / 1000),
    ingestSeconds: ingestMs / 1000,
    gcMs: gcTimedMs,
    gcCount: gcTimedCount,
    summaries,
    digest: values.digest && mode !== 'decode' ? digest.digest('hex').slice(0, 16) : undefined,
  };
  if (mode === 'core') {
    const withState = await settledHeap();
    const snapshotBytes = JSON.stringify(processor.snapshot()).length;
    result.state = {
      stateBytesPerMachine: Math.round((withState - heapBefore) / machines),
      snapshotJsonBytesPerMachine: Math.round(snapshotBytes / machines),
      note: 'history retained for the amendment horizon plus the longest window; see bench/README.md',
    };
  }
  return result;
}

/** A fresh processor of a variant, with the bench's orders snapshot when `--orders`. */
function newProcessor(variant) {
  const processor = new variant.lib.WindowedProcessor(plan, variant.options);
  if (values.orders && typeof processor.applyOrdersSnapshot === 'function') {
    for (const wc of plan.workCenters.values()) {
      processor.applyOrdersSnapshot({ workCenterId: wc.workCenterId, atMs: startMs, workOrders: [odooLine] });
    }
  }
  return processor;
}

/**
 * Interleaved A/B (`--interleave`): both variants' processors live side by side and get the same
 * chunk one after the other, the order alternating chunk by chunk (ABBA), so a change in the host's
 * load hits both within a fraction of a second. Returns each variant's process CPU and wall time
 * summed over the chunks, and the per-chunk CPU ratios.
 */
async function runInterleaved(variants) {
  const sim = createPlantSimulator(plan, simOptions);
  const procs = variants.map((v) => newProcessor(v));
  const cpu = variants.map(() => 0);
  const wall = variants.map(() => 0);
  const summaries = variants.map(() => 0);
  const chunkRatios = [];
  let done = 0;
  let k = 0;
  while (done < total) {
    const n = Math.min(chunk, total - done);
    const samples = withOrders(sim.nextCount(n));
    const chunkCpu = [0, 0];
    for (const v of k % 2 === 0 ? [0, 1] : [1, 0]) {
      const { mapSample } = variants[v].lib;
      await tick();
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const events = [];
      for (let i = 0; i < samples.length; i++) {
        const r = mapSample(plan, samples[i]);
        if (r.ok) events.push(r.event);
      }
      const out = procs[v].ingest(events);
      const c1 = process.cpuUsage(c0);
      wall[v] += performance.now() - t0;
      chunkCpu[v] = c1.user + c1.system;
      cpu[v] += chunkCpu[v];
      summaries[v] += out.summaries.length;
    }
    chunkRatios.push(chunkCpu[1] / chunkCpu[0]);
    done += n;
    k++;
  }
  return { cpuSeconds: cpu.map((c) => c / 1e6), wallSeconds: wall.map((w) => w / 1000), summaries, chunkRatios };
}

if (values.ab !== undefined || values['attribution-ab']) {
  const variants = values['attribution-ab']
    ? [
        { name: 'attribution off', lib: here, options: { attribution: false } },
        { name: 'attribution on', lib: here, options: { attribution: true } },
      ]
    : [
        { name: `A ${values.ab}`, lib: await loadLib(values.ab), options: {} },
        { name: 'B this build', lib: here, options: {} },
      ];
  const rounds = Number(values.rounds);
  const busy = variants.map(() => []);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  /** Writes the A/B result with this run's parameters, and exits. */
  const writeAb = (result) => {
    const file = writeResult(values['attribution-ab'] ? 'core-attribution-ab' : 'core-ab', {
      params: {
        samples: total,
        machines,
        horizonHours: Number(values['horizon-h']),
        chunk,
        orders: values.orders,
        orderEvery,
        rounds,
      },
      result,
    });
    console.log(`wrote ${file}`);
    process.exit(0);
  };
  if (values.interleave) {
    const perRound = [];
    const allChunks = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which variant's processor is created (and so warmed) first.
      const res = await runInterleaved(r % 2 === 0 ? variants : [variants[1], variants[0]]);
      const [a, b] = r % 2 === 0 ? [0, 1] : [1, 0];
      const ratio = res.cpuSeconds[b] / res.cpuSeconds[a];
      const chunkRatios = r % 2 === 0 ? res.chunkRatios : res.chunkRatios.map((x) => 1 / x);
      perRound.push(ratio);
      allChunks.push(...chunkRatios);
      busy[0].push(res.cpuSeconds[a]);
      busy[1].push(res.cpuSeconds[b]);
      const side = (k) =>
        `${variants[k].name} ${res.cpuSeconds[k === 0 ? a : b].toFixed(2)} s CPU ` +
        `(${res.wallSeconds[k === 0 ? a : b].toFixed(2)} s wall)`;
      console.log(
        `round ${r + 1}: ${side(0)}, ${side(1)}, B/A ${ratio.toFixed(3)}, ` +
          `median of ${chunkRatios.length} chunks ${median(chunkRatios).toFixed(3)}, ` +
          `summaries ${res.summaries[a]} / ${res.summaries[b]}`,
      );
    }
    const sum = (xs) => xs.reduce((x, y) => x + y, 0);
    const result = {
      method: 'interleaved per chunk (ABBA), fresh processors per round',
      variants: variants.map((v, k) => ({ name: v.name, cpuSeconds: busy[k], medianCpuSeconds: median(busy[k]) })),
      cpuPerSampleRatio: {
        median: +median(perRound).toFixed(4),
        total: +(sum(busy[1]) / sum(busy[0])).toFixed(4),
        medianOfChunks: +median(allChunks).toFixed(4),
        chunks: allChunks.length,
        perRound: perRound.map((x) => +x.toFixed(4)),
      },
    };
    const { median: med, total: tot, medianOfChunks } = result.cpuPerSampleRatio;
    console.log(`B/A CPU per sample: total ${tot}, median of rounds ${med}, median of chunks ${medianOfChunks}`);
    writeAb(result);
  }
  for (let r = 0; r < rounds; r++) {
    // ABBA order: neither variant always runs first (or after the other's garbage).
    for (const v of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const res = await run('core', variants[v]);
      busy[v].push(res.cpuSeconds);
      console.log(
        `round ${r + 1} ${variants[v].name.padEnd(24)} ${fmt(res.eventsPerSec).padStart(10)} samples/s ` +
          `(${res.seconds.toFixed(2)} s busy, ${res.cpuSeconds.toFixed(2)} s CPU, ${fmt(res.summaries)} summaries` +
          `${res.digest ? `, digest ${res.digest}` : ''})`,
      );
    }
  }
  const ratios = busy[0].map((a, k) => busy[1][k] / a);
  const result = {
    variants: variants.map((v, k) => ({ name: v.name, cpuSeconds: busy[k], medianCpuSeconds: median(busy[k]) })),
    cpuPerSampleRatio: { median: +median(ratios).toFixed(4), perRound: ratios.map((x) => +x.toFixed(4)) },
  };
  const { median: med, perRound } = result.cpuPerSampleRatio;
  console.log(`B/A CPU per sample: median ${med} (per round ${perRound.join(', ')})`);
  writeAb(result);
}

const results = {};
for (const mode of modes) {
  const r = await run(mode);
  results[mode] = {
    eventsPerSec: Math.round(r.eventsPerSec),
    seconds: +r.seconds.toFixed(2),
    ingestSeconds: +r.ingestSeconds.toFixed(2),
    gcMs: Math.round(r.gcMs),
    gcCount: r.gcCount,
    summaries: r.summaries,
  };
  if (r.digest !== undefined) results[mode].digest = r.digest;
  console.log(
    `${mode.padEnd(12)} ${fmt(r.eventsPerSec).padStart(12)} events/s  (${r.seconds.toFixed(2)} s ` +
      `busy, ${r.ingestSeconds.toFixed(2)} s in WindowedProcessor.ingest, GC ${fmt(r.gcMs)} ms in ` +
      `${r.gcCount} pauses, ${fmt(r.summaries)} summaries${r.digest ? `, digest ${r.digest}` : ''})`,
  );
  if (r.state !== undefined) {
    results.state = r.state;
    console.log(
      `state        ${fmt(r.state.stateBytesPerMachine)} state bytes/machine (heap + ` +
        `array buffers), ${fmt(r.state.snapshotJsonBytesPerMachine)} snapshot bytes/machine`,
    );
  }
}
if (results.decode !== undefined) {
  results.ratios = {};
  if (results['decode+core'] !== undefined)
    results.ratios.decodeCoreOverDecodeOnly = +(
      results['decode+core'].eventsPerSec / results.decode.eventsPerSec
    ).toFixed(3);
  if (results.core !== undefined)
    results.ratios.coreOverDecodeOnly = +(results.core.eventsPerSec / results.decode.eventsPerSec).toFixed(3);
  console.log(`ratios       ${JSON.stringify(results.ratios)}`);
}
const file = writeResult('core', {
  params: { samples: total, machines, horizonHours: Number(values['horizon-h']), chunk },
  results,
});
console.log(`wrote ${file}`);
