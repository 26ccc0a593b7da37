// Milestones inherit the running order (docs/semantics.md section 9.3) through the real pipeline on
// the embedded log: stamping-berlin's QTY_DONE and SCRAP_BOOKED tags carry bare counts (the
// simulator sends them so where the line publishes its order), stage 1 leaves them to stage 2, and
// each reaches the milestones topic once, with the order running at its ts, which is the order the
// simulator was making then (the one its ORDER_RELEASED named), and equal to the batch reference.
import { describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import type { RawSample } from '../../../src/core/types.js';
import { createPlantSimulator } from '../../../src/sim/index.js';
import { computeMilestoneOrders } from '../../../src/testkit/reference.js';
import { loadTopology } from '../../../src/topology/index.js';
import { drained, embedded, windowed } from '../../support/embedded.js';

const topology = loadTopology('topologies/stamping-berlin.yaml');
const t = topology.topics;
const START = Date.UTC(2026, 5, 2, 3);
const H = 3_600_000;

describe('quantity and scrap milestones on the embedded pipeline', () => {
  it('carry the order running at their ts, never no-order, once each', async () => {
    const sim = createPlantSimulator(topology.plant, {
      seed: 11,
      startMs: START,
      lateShare: 0,
      badShare: 0,
      duplicateShare: 0,
    });
    const samples: RawSample[] = sim.next(START + 12 * H);
    const env = embedded(topology);
    const { codecs, log } = env;
    log.append(samples.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
    const { pipeline, done } = env.start();
    await drained(log, 'test-map', [t.raw]);
    await windowed(log, pipeline, t.enriched);
    await pipeline.stop();
    await done;
    await codecs.prepare(log.records(t.milestones).map((r) => r.value!));
    const got: MilestoneRecord[] = log.records(t.milestones).map((r) => {
      const d = codecs.milestone.decode(r.value!);
      if (!d.ok) throw new Error(d.detail);
      return d.value;
    });
    const qty = got.filter((m) => m.tag === 'BER.PRESS01.MES.QTY_DONE');
    const scrap = got.filter((m) => m.tag === 'BER.WELD01.SCRAP_BOOKED');
    expect(qty.length).toBeGreaterThan(5);
    expect(scrap.length).toBeGreaterThan(0);
    for (const m of [...qty, ...scrap]) {
      expect(m.orderRef, `${m.tag} at ${m.tsMs}`).toMatch(/^WO\/2026\/\d{5}$/);
      expect(m.quantity).toBeGreaterThan(0);
    }
    // The order the simulator was making: its last ORDER_RELEASED at or before the count.
    const released = samples.filter((s) => s.tag === 'BER.PRESS01.MES.ORDER_RELEASED').sort((a, b) => a.tsMs - b.tsMs);
    for (const m of qty) {
      const making = released.filter((r) => r.tsMs <= m.tsMs).at(-1);
      expect(m.orderRef, `QTY_DONE at ${m.tsMs}`).toBe(making?.value);
    }
    // Equal to the batch reference, and each count once (held ones still wait behind the watermark).
    const want = computeMilestoneOrders(samples, topology.plant).filter((w) => w.tag === 'BER.PRESS01.MES.QTY_DONE');
    const byKey = (x: { tsMs: number; quantity: number | null; orderRef: string | null }) =>
      `${x.tsMs}|${x.quantity}|${x.orderRef}`;
    const have = qty.map(byKey);
    expect(new Set(have).size).toBe(have.length);
    expect(want.map(byKey).slice(0, have.length)).toEqual(have.sort());
  }, 120_000);
});
