// The window stage writes order summaries (docs/semantics.md section 11) to the order-summaries
// topic, with the key of core/order-summary-key.ts, and the last revision of each equals the batch
// reference per enriched partition: stamping-berlin with an order tag on press-01, plant signals
// in the raw stream (some late, "no order" among them), on the embedded log.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { orderSummaryKey } from '../../../src/core/order-summary-key.js';
import type { OrderSummary, RawSample, StateInterval, WindowSummary } from '../../../src/core/types.js';
import { createPlantSimulator } from '../../../src/sim/index.js';
import { computeAll } from '../../../src/testkit/reference.js';
import { loadTopologyFromString } from '../../../src/topology/index.js';
import { lastOrderRevisions } from '../../support/attribution.js';
import { drained, embedded, windowed } from '../../support/embedded.js';
import { lastRevisions } from '../../support/run-core.js';

const text = readFileSync('topologies/stamping-berlin.yaml', 'utf8');
const ORDER_TAG = 'BER.PRESS01.ORDER';
const withOrderTag = text.replace(
  /^( {2}BER\.PRESS01\.STATE:.*)$/m,
  `$1\n  ${ORDER_TAG}: { machine: press-01, role: order }`,
);
const topology = loadTopologyFromString(withOrderTag, 'stamping-berlin+order.yaml');
const t = topology.topics;
const START = Date.UTC(2026, 5, 2, 3); // 05:00 Berlin

describe('order summaries through the pipeline on the embedded log', () => {
  it('are written with their key, and their last revisions equal the reference', async () => {
    expect(topology.plant.tags.get(ORDER_TAG)?.kind).toBe('order');
    const sim = createPlantSimulator(topology.plant, {
      seed: 5,
      startMs: START,
      lateShare: 0,
      badShare: 0,
      outOfOrderShare: 0.01,
    });
    const samples: RawSample[] = sim.next(START + 10 * 3_600_000);
    const orders: RawSample[] = [
      ['WH/MO/00012', 1.5],
      ['WH/MO/00013', 4.25],
      ['', 6.5],
      ['WH/MO/00014', 8],
    ].map(([value, h]) => ({
      tag: ORDER_TAG,
      tsMs: START + Math.round(Number(h) * 3_600_000),
      value: String(value),
      quality: 'good' as const,
    }));
    // The 04:15 signal arrives last (whether it is late depends on the aligned watermark).
    const late = orders[1]!;
    const onTime = orders.filter((o) => o !== late);
    const arrival = [...samples, ...onTime].sort((a, b) => a.tsMs - b.tsMs);
    arrival.push(late);
    const env = embedded(topology);
    const { codecs, log } = env;
    log.append(arrival.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
    const { pipeline, done } = env.start();
    await drained(log, 'test-map', [t.raw]);
    await windowed(log, pipeline, t.enriched);
    const watermarks = new Map(pipeline.windowStage.watermarks().map((w) => [w.partition, w.watermarkMs]));
    await pipeline.stop();
    await done;
    await codecs.prepare(log.topicNames().flatMap((topic) => log.records(topic).map((r) => r.value)));

    const records = log.records(t.orderSummaries);
    const got: OrderSummary[] = records.map((r) => {
      const d = codecs.orderSummary.decode(r.value!);
      if (!d.ok) throw new Error(d.detail);
      expect(String(r.key)).toBe(orderSummaryKey(d.value));
      return d.value;
    });
    const shifts: WindowSummary[] = log.records(t.shiftSummaries).map((r) => {
      const d = codecs.summary.decode(r.value!);
      if (!d.ok) throw new Error(d.detail);
      return d.value;
    });
    const press = topology.plant.machines.get('press-01')!.workCenterId;

    // The reference for press-01's work center, at its partition's watermark.
    const partition = log
      .records(t.enriched)
      .map((r, i) => ({ r, i }))
      .find(({ r }) => {
        const d = codecs.event.decode(r.value!);
        return d.ok && d.value.workCenterId === press;
      });
    expect(partition).toBeDefined();
    const p = [...Array(log.partitionCount(t.enriched)).keys()].find((k) =>
      log.records(t.enriched, k).some((r) => {
        const d = codecs.event.decode(r.value!);
        return d.ok && d.value.workCenterId === press;
      }),
    )!;
    const mine = arrival.filter((s) => {
      const tag = topology.plant.tags.get(s.tag);
      return tag !== undefined && topology.plant.machines.get(tag.machineId)!.workCenterId === press;
    });
    const ref = computeAll(mine, topology.plant, { watermarkMs: watermarks.get(p)! });
    const want = lastOrderRevisions(ref.orderSummaries);
    const have = lastOrderRevisions(got.filter((o) => o.workCenterId === press));
    expect(want.size).toBeGreaterThan(1);
    expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, v] of want) expect(have.get(k), k).toEqual(v);
    const wantShifts = lastRevisions(ref.summaries.filter((s) => s.windowKind === 'shift'));
    const haveShifts = lastRevisions(shifts.filter((s) => s.workCenterId === press));
    // The summary codec may read a null orderRef/workOrderId back as absent: compare without nulls.
    const noNulls = (v: Omit<WindowSummary, 'revision' | 'lateSamples'> | undefined) =>
      v === undefined
        ? undefined
        : {
            ...v,
            intervals: v.intervals.map((iv: StateInterval) =>
              Object.fromEntries(
                Object.entries(iv).filter(([k, x]) => x !== null || (k !== 'orderRef' && k !== 'workOrderId')),
              ),
            ),
          };
    expect(wantShifts.size).toBeGreaterThan(0);
    for (const [k, v] of wantShifts) expect(noNulls(haveShifts.get(k)), k).toEqual(noNulls(v));
  }, 240_000);
});
