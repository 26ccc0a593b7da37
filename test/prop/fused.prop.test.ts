// Differential test: the fused path (src/engine/fused-pipeline.ts, docs/architecture.md "Fused
// path") ≡ the two-stage path, through the real engine on the embedded log. For random plant
// streams (out-of-order and late samples, bad samples, raw partitions left idle, end-of-input
// markers on some partitions or none, order signals some of them late, random batch sizes) and,
// on the fused side, graceful restarts between input chunks (restore from base + deltas, resume
// from the checkpoint's raw offsets): the last revision of every window, shift and order summary
// is the same (content; revision numbers and lateSamples depend on when a sample arrived, as
// semantics section 6 says), the set of keys is the same, the final watermark of every enriched
// partition is the same, the enriched topic gets the same events, and no two records of one key
// and revision differ in bytes.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderSummaryKey } from '../../src/core/order-summary-key.js';
import { WATERMARK_MARKER_TAG, watermarkMarker } from '../../src/core/raw-markers.js';
import type { OrderSummary, RawSample, WindowSummary } from '../../src/core/types.js';
import { createLocalCodecs } from '../../src/io/avro/codecs.js';
import { partitionForKey } from '../../src/io/memory/index.js';
import type { SinkRecord } from '../../src/ports/event-sink.js';
import { createPlantSimulator } from '../../src/sim/index.js';
import { loadTopologyFromString } from '../../src/topology/index.js';
import { runPath } from '../support/fused.js';

const ORDER_TAG = 'BER.PRESS01.ORDER';
const topology = loadTopologyFromString(
  readFileSync('topologies/stamping-berlin.yaml', 'utf8').replace(
    /^( {2}BER\.PRESS01\.STATE:.*)$/m,
    `$1\n  ${ORDER_TAG}: { machine: press-01, role: order }`,
  ),
  'stamping-berlin+order.yaml',
);
const t = topology.topics;
const P = 4;
const START = Date.UTC(2026, 5, 2, 3);
const codecs = createLocalCodecs();

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

function last<T extends { revision: number }>(xs: readonly T[], key: (x: T) => string): Map<string, unknown> {
  const out = new Map<string, T>();
  for (const x of xs) {
    const k = key(x);
    const prev = out.get(k);
    if (prev === undefined || prev.revision < x.revision) out.set(k, x);
  }
  return new Map(
    [...out].map(([k, x]) => {
      const { revision: _r, lateSamples: _l, ...rest } = x as T & { lateSamples?: unknown };
      return [k, plain(rest)];
    }),
  );
}

const summaryKey = (s: WindowSummary): string => `${s.plantId}/${s.workCenterId}/${s.windowName}/${s.windowId}`;
const orderKey = (o: OrderSummary): string => orderSummaryKey(o);

function differences(a: Map<string, unknown>, b: Map<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (!isDeepStrictEqual(v, b.get(k))) out.push(k);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k} (fused only)`);
  return out;
}

const scenario = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  hours: fc.integer({ min: 1, max: 3 }),
  outOfOrderShare: fc.double({ min: 0, max: 0.05, noNaN: true }),
  lateShare: fc.double({ min: 0, max: 0.01, noNaN: true }),
  badShare: fc.double({ min: 0, max: 0.004, noNaN: true }),
  /** Raw partitions no sample goes to (at most 2 of 4). */
  idle: fc.uniqueArray(fc.integer({ min: 0, max: P - 1 }), { maxLength: 2 }),
  /** End-of-input markers: on every partition, on the idle ones only, or none. */
  markers: fc.constantFrom('all', 'idle', 'none'),
  /** Order signals (hour offsets) and which of them arrive last (late). */
  orders: fc.array(fc.record({ h: fc.double({ min: 0, max: 3, noNaN: true }), late: fc.boolean() }), {
    maxLength: 4,
  }),
  /** Where the fused run restarts (fractions of the input). */
  cuts: fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 2 }),
  maxBatchRecords: fc.integer({ min: 37, max: 2_000 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

function input(s: Scenario): SinkRecord[] {
  const untilMs = START + s.hours * 3_600_000;
  const samples: RawSample[] = createPlantSimulator(topology.plant, {
    seed: s.seed,
    startMs: START,
    outOfOrderShare: s.outOfOrderShare,
    lateShare: s.lateShare,
    badShare: s.badShare,
  })
    .next(untilMs)
    .filter((x) => !s.idle.includes(partitionForKey(Buffer.from(x.tag), P)));
  const signals = s.orders.map((o, i) => ({
    sample: {
      tag: ORDER_TAG,
      tsMs: START + Math.round(o.h * 3_600_000),
      value: i % 3 === 2 ? '' : `WH/MO/${String(12 + i).padStart(5, '0')}`,
      quality: 'good' as const,
    },
    late: o.late,
  }));
  const onTime = [...samples, ...signals.filter((x) => !x.late).map((x) => x.sample)].sort((a, b) => a.tsMs - b.tsMs);
  const arrival = [...onTime, ...signals.filter((x) => x.late).map((x) => x.sample)];
  const records: SinkRecord[] = arrival.map((x) => ({ topic: t.raw, key: x.tag, value: codecs.raw.encode(x) }));
  const markerTs = untilMs;
  for (let p = 0; p < P; p++)
    if (s.markers === 'all' || (s.markers === 'idle' && s.idle.includes(p)))
      records.push({
        topic: t.raw,
        partition: p,
        key: WATERMARK_MARKER_TAG,
        value: codecs.raw.encode(watermarkMarker(markerTs)),
      });
  return records;
}

function chunked(records: readonly SinkRecord[], cuts: readonly number[]): SinkRecord[][] {
  const at = [...cuts].sort((a, b) => a - b).map((c) => Math.floor((records.length * c) / 10));
  const out: SinkRecord[][] = [];
  let from = 0;
  for (const to of [...at, records.length]) {
    out.push(records.slice(from, to));
    from = to;
  }
  return out;
}

describe('fused path ≡ two-stage path (embedded log)', () => {
  it('same last revisions of summaries and order summaries, same watermarks, no conflicting re-emits', async () => {
    let closedSomething = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const records = input(s);
        const twoStage = await runPath(topology, [records], {
          fused: false,
          maxBatchRecords: s.maxBatchRecords,
        });
        const fused = await runPath(topology, chunked(records, s.cuts), {
          fused: true,
          restarts: true,
          maxBatchRecords: s.maxBatchRecords,
        });
        expect(fused.conflicts).toEqual([]);
        expect(twoStage.conflicts).toEqual([]);
        expect(fused.watermarks).toEqual(twoStage.watermarks);
        expect(fused.enrichedEvents).toBe(twoStage.enrichedEvents);
        const a = last(twoStage.summaries, summaryKey);
        const b = last(fused.summaries, summaryKey);
        expect(differences(a, b)).toEqual([]);
        const oa = last(twoStage.orderSummaries, orderKey);
        const ob = last(fused.orderSummaries, orderKey);
        expect(differences(oa, ob)).toEqual([]);
        if (a.size > 0) closedSomething++;
      }),
      { numRuns: 12, seed: 20261203, endOnFailure: true },
    );
    // The generator is not vacuous: most scenarios close windows.
    expect(closedSomething).toBeGreaterThan(4);
  }, 600_000);
});
