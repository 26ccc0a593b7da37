// docs/semantics.md section 9.3 against the batch reference: a quantity or scrap milestone that
// carries a bare count takes the order running at its ts (section 11: plant signals, else Odoo's
// started work orders), whatever the arrival order within the out-of-orderness bound, the batch
// sizes, or a snapshot and restore in between. Milestones that name their order keep it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../src/core/milestones.js';
import type { PlantPlan, TagPlan } from '../../src/core/plan.js';
import { WindowedProcessor, type ProcessorSnapshot } from '../../src/core/processor.js';
import type { RawSample } from '../../src/core/types.js';
import { computeMilestoneOrders } from '../../src/testkit/reference.js';
import { attributionLines, mergeByTs, orderSignals } from '../support/attribution.js';
import { chainedStream } from '../support/orders.js';
import { MIN, testPlan } from '../support/plan.js';
import { toEvents } from '../support/run-core.js';
import { permuteWithin, T0 } from '../support/streams.js';

const base = testPlan({ workCenters: 2, orderTags: true, silenceTimeoutMs: 4 * MIN });
const tags = new Map<string, TagPlan>(base.tags);
for (const i of [1, 2]) {
  const qty = `M${i}b.QTY`;
  const scrap = `M${i}a.SCRAP_BOOKED`;
  tags.set(qty, { kind: 'milestone', tag: qty, machineId: `M${i}b`, milestone: 'quantity_completed' });
  tags.set(scrap, { kind: 'milestone', tag: scrap, machineId: `M${i}a`, milestone: 'scrap_recorded' });
}
const plan: PlantPlan = { ...base, tags };
const BOUND = plan.eventTime.outOfOrdernessMs;

/** Bare counts (and now and then an order reference) on the quantity and scrap tags. */
const milestonesArb = fc
  .array(
    fc.record({
      step: fc.integer({ min: -2, max: 40 }),
      nudge: fc.integer({ min: -1, max: 1 }),
      wc: fc.integer({ min: 1, max: 2 }),
      scrap: fc.boolean(),
      value: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constant('MO/9')),
    }),
    { maxLength: 12, size: 'max' },
  )
  .map((list) =>
    list.map((m): RawSample => ({
      tag: m.scrap ? `M${m.wc}a.SCRAP_BOOKED` : `M${m.wc}b.QTY`,
      tsMs: T0 + m.step * 300_000 + m.nudge,
      value: m.value,
      quality: 'good',
    })),
  );

interface Run {
  readonly milestones: MilestoneRecord[];
}

function run(
  samples: readonly RawSample[],
  lines: Parameters<WindowedProcessor['applyOrdersSnapshot']>[0]['workOrders'],
  batch: number,
  restoreAt?: number,
): Run {
  let p = new WindowedProcessor(plan);
  const milestones: MilestoneRecord[] = [];
  for (const wc of ['WC1', 'WC2']) p.applyOrdersSnapshot({ workCenterId: wc, atMs: 1, workOrders: lines });
  const events = toEvents(plan, samples);
  let restored = restoreAt === undefined;
  for (let i = 0; i < events.length; i += batch) {
    if (!restored && i >= restoreAt!) {
      restored = true;
      const snap = JSON.parse(JSON.stringify(p.snapshot())) as ProcessorSnapshot;
      p = WindowedProcessor.restore(plan, snap);
    }
    milestones.push(...p.ingest(events.slice(i, i + batch)).milestones);
  }
  // The end of input: a watermark past every sample releases what is still held.
  const maxTs = Math.max(...samples.map((x) => x.tsMs));
  milestones.push(...p.advanceTo(maxTs + 1).milestones);
  return { milestones };
}

const comparable = (ms: readonly MilestoneRecord[]) =>
  ms.map((m) => ({
    workCenterId: m.workCenterId,
    tag: m.tag,
    tsMs: m.tsMs,
    quantity: m.quantity,
    orderRef: m.orderRef,
  }));

describe('milestones inherit the running order in event time (section 9.3)', () => {
  it('equal the reference over all signals and the snapshot, any arrival within the bound, any batches', () => {
    fc.assert(
      fc.property(
        chainedStream({ workCenters: 2, maxGapMs: 200_000, length: 80 }, 4),
        orderSignals(2),
        milestonesArb,
        attributionLines(),
        fc.array(fc.integer({ min: 0, max: BOUND - 1 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 40 }),
        fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined }),
        (samples, signals, milestones, lines, jitters, batch, restoreAt) => {
          const all = mergeByTs(mergeByTs(samples, signals), milestones);
          const arrival = permuteWithin(all, jitters, BOUND);
          const got = run(arrival, lines, batch, restoreAt);
          const bare = got.milestones;
          const want = computeMilestoneOrders(
            all,
            plan,
            new Map([
              ['WC1', lines],
              ['WC2', lines],
            ]),
          );
          // Sorted by ts (release order is by ts; equal ts keep arrival order, so compare as sets there).
          const key = (m: { tsMs: number; tag: string | null; quantity: number | null }) =>
            `${m.tsMs}|${m.tag}|${m.quantity}`;
          const sort = <T extends { tsMs: number; tag: string | null; quantity: number | null }>(x: T[]) =>
            [...x].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
          expect(sort(comparable(bare))).toEqual(sort(want.map((w) => ({ ...w }))));
          // Only bare counts are held back: a milestone naming its order is stage 1's, at once.
          expect(got.milestones.every((m) => m.quantity !== null)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a count before any signal takes Odoo\'s started work order; a plant "no order" wins over it', () => {
    const lines = [
      {
        workOrderId: 4,
        name: 'WO 4',
        state: 'progress',
        productionId: 101,
        productionName: 'MO/1',
        productId: null,
        productName: null,
        qtyProduction: 10,
        qtyProduced: 0,
        dateStartMs: T0 - 60_000,
        dateFinishedMs: null,
      },
    ];
    const s = (tag: string, tsMs: number, value: RawSample['value']): RawSample => ({
      tag,
      tsMs,
      value,
      quality: 'good',
    });
    const samples = [
      s('M1a.STATE', T0, 1),
      s('M1b.QTY', T0 + 1000, 25),
      s('M1a.ORDER', T0 + 2000, ''),
      s('M1b.QTY', T0 + 3000, 5),
      s('M1a.ORDER', T0 + 4000, 'MO/2'),
      s('M1b.QTY', T0 + 4000, 7),
      s('M1b.QTY', T0 + 5000, 'MO/3'),
      s('M1a.STATE', T0 + 10 * MIN, 1),
    ];
    const got = run(samples, lines, 3);
    expect(got.milestones.map((m) => [m.quantity, m.orderRef])).toEqual([
      [25, 'MO/1'],
      [5, null],
      [7, 'MO/2'],
    ]);
  });
});
