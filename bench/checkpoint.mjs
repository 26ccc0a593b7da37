// Where a stage-2 checkpoint's time goes (issue 12, step 2): the core snapshot, its JSON, and the
// gzip, for one WindowedProcessor holding the state of a synthetic plant after --samples samples
// (bench/core.mjs's stream and plan). Before this change all three ran synchronously on the event
// loop; now the gzip runs on libuv's thread pool (encodeSnapshotAsync), so the stall the critical
// lane sees is snapshot + JSON. Each part is timed --rounds times; the output gives the range.
//
//   npm run build && node bench/checkpoint.mjs
//     [--machines 2000] [--samples 1000000] [--horizon-h 1] [--rounds 5]
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { mapSample } from '../dist/core/mapping.js';
import { WindowedProcessor } from '../dist/core/processor.js';
import { encodeSnapshotAsync } from '../dist/engine/snapshot-codec.js';
import { createPlantSimulator, syntheticPlan } from '../dist/sim/index.js';
import { fmt, writeResult } from './lib/env.mjs';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '2000' },
    samples: { type: 'string', default: '1000000' },
    'horizon-h': { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
  },
});
const machines = Number(values.machines);
const total = Number(values.samples);
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
for (let done = 0; done < total;) {
  const n = Math.min(200_000, total - done);
  const events = [];
  for (const s of sim.nextCount(n)) {
    const v = mapSample(plan, s);
    if (v.ok) events.push(v.event);
  }
  processor.ingest(events);
  done += n;
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const rows = [];
for (let r = 0; r < Number(values.rounds); r++) {
  let t = process.hrtime.bigint();
  const snap = { v: 1, processor: processor.snapshot(), watermark: { sources: {}, expected: 1 } };
  const snapshotMs = ms(t);
  t = process.hrtime.bigint();
  const json = Buffer.from(JSON.stringify(snap));
  const jsonMs = ms(t);
  t = process.hrtime.bigint();
  const gz = gzipSync(json, { level: 1 });
  const gzipMs = ms(t);
  // The async path: how long the event loop is held before the await (snapshot + JSON + handing
  // the buffer to the thread pool), and the whole wall time until the bytes are there.
  t = process.hrtime.bigint();
  const done = encodeSnapshotAsync({ v: 1, processor: processor.snapshot(), watermark: snap.watermark }).then((b) => b);
  const heldMs = ms(t);
  const asyncBytes = await done;
  const asyncWallMs = ms(t);
  if (Buffer.compare(asyncBytes, gzipSync(Buffer.from(JSON.stringify(snap)), { level: 1 })) !== 0)
    throw new Error('checkpoint bench: the async encoding differs from the synchronous one');
  rows.push({ snapshotMs, jsonMs, gzipMs, jsonBytes: json.length, gzipBytes: gz.length, heldMs, asyncWallMs });
}
const range = (k) => {
  const xs = rows.map((x) => x[k]);
  return [Math.min(...xs), Math.max(...xs)].map((x) => +x.toFixed(1));
};
const summary = {
  syncStallBeforeMs: range('snapshotMs').map((x, i) => +(x + range('jsonMs')[i] + range('gzipMs')[i]).toFixed(1)),
  snapshotMs: range('snapshotMs'),
  jsonMs: range('jsonMs'),
  gzipMs: range('gzipMs'),
  eventLoopHeldNowMs: range('heldMs'),
  asyncWallMs: range('asyncWallMs'),
  jsonBytes: rows[0].jsonBytes,
  gzipBytes: rows[0].gzipBytes,
};
const r = (k) => summary[k].join('-');
console.log(
  `checkpoint of ${machines} machines after ${fmt(total)} samples (${fmt(summary.jsonBytes)} B JSON, ` +
    `${fmt(summary.gzipBytes)} B gzip): snapshot ${r('snapshotMs')} ms, JSON ${r('jsonMs')} ms, ` +
    `gzip ${r('gzipMs')} ms; event loop held before ${r('syncStallBeforeMs')} ms (all three), ` +
    `now ${r('eventLoopHeldNowMs')} ms (gzip off the loop, ${r('asyncWallMs')} ms wall)`,
);
const params = { machines, samples: total, horizonHours: Number(values['horizon-h']) };
console.log(`wrote ${writeResult('checkpoint', { params, summary, rows })}`);
