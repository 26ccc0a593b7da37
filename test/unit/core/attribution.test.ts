// docs/semantics.md section 11: the worked example, the rule's corners, and the processor's
// order summaries (revisions, retractions, late signals, snapshots) on small hand-made inputs.
import { describe, expect, it } from 'vitest';
import { odooRunningAt, WorkCenterOrders } from '../../../src/core/attribution.js';
import type { OrderLine } from '../../../src/core/orders.js';
import { WindowedProcessor, type ProcessorSnapshot } from '../../../src/core/processor.js';
import type { OrderSummary, RawSample, WindowSummary } from '../../../src/core/types.js';
import { computeAll } from '../../../src/testkit/reference.js';
import { toEvents } from '../../support/run-core.js';
import { HOUR, MIN, testPlan } from '../../support/plan.js';

// Monday 2026-03-30 in Berlin (CEST, UTC+2): local HH:MM is UTC HH-2.
const local = (hh: number, mm: number, ss = 0, ms = 0): number => Date.UTC(2026, 2, 30, hh - 2, mm, ss, ms);
const plan = testPlan({ orderTags: true, silenceTimeoutMs: 10 * HOUR, idealCycleTimeMs: 1000 });

function line(over: Partial<OrderLine> & Pick<OrderLine, 'workOrderId'>): OrderLine {
  return {
    name: `WO ${over.workOrderId}`,
    state: 'progress',
    productionId: null,
    productionName: null,
    productId: null,
    productName: null,
    qtyProduction: 10,
    qtyProduced: 0,
    dateStartMs: null,
    ...over,
  };
}

const s = (tag: string, tsMs: number, value: number | string): RawSample => ({ tag, tsMs, value, quality: 'good' });

// The example of section 11: Odoo's WH/MO/00012 runs since 05:10; the plant says WH/MO/00013 at
// 09:30:00.250 and "" at 13:00. States: idle from 06:00, running 09:00-10:00, idle after.
const lines: OrderLine[] = [
  line({ workOrderId: 12, productionId: 112, productionName: 'WH/MO/00012', dateStartMs: local(5, 10) }),
  line({ workOrderId: 13, productionId: 113, productionName: 'WH/MO/00013', state: 'ready' }),
];
const samples: RawSample[] = [
  s('M1a.STATE', local(6, 0), 2),
  s('M1a.STATE', local(9, 0), 1),
  s('M1a.GOOD', local(9, 0), 100),
  s('M1a.ORDER', local(9, 30, 0, 250), 'WH/MO/00013'),
  s('M1a.GOOD', local(9, 30, 0, 250), 105),
  s('M1a.STATE', local(10, 0), 2),
  s('M1a.GOOD', local(12, 0), 110),
  s('M1a.ORDER', local(13, 0), ''),
];

function runExample(): { shift: WindowSummary; orders: OrderSummary[]; p: WindowedProcessor } {
  const p = new WindowedProcessor(plan, { windowNames: ['shift'] });
  const out = p.applyOrdersSnapshot({ workCenterId: 'WC1', atMs: local(5, 0), workOrders: lines });
  expect(out.summaries).toEqual([]);
  p.ingest(toEvents(plan, samples));
  const closed = p.advanceTo(local(14, 1));
  const shift = closed.summaries.find((x) => x.windowId === '2026-03-30/early')!;
  return { shift, orders: closed.orderSummaries.filter((o) => o.windowId === shift.windowId), p };
}

describe('section 11 example: press-01, early shift', () => {
  it('three shares, split exactly at 09:30:00.250 and at 13:00, the count at its instant', () => {
    const { shift, orders } = runExample();
    expect(orders.map((o) => [o.orderRef, o.orderSource, o.workOrderId, o.productionId, o.lengthMs])).toEqual([
      [null, null, null, null, HOUR],
      ['WH/MO/00012', 'odoo', 12, 112, local(9, 30, 0, 250) - local(6, 0)],
      ['WH/MO/00013', 'plant', 13, 113, local(13, 0) - local(9, 30, 0, 250)],
    ]);
    expect(shift.intervals).toEqual([
      {
        startMs: local(6, 0),
        endMs: local(9, 0),
        category: 'idle',
        reason: null,
        orderRef: 'WH/MO/00012',
        workOrderId: 12,
      },
      {
        startMs: local(9, 0),
        endMs: local(9, 30, 0, 250),
        category: 'running',
        reason: null,
        orderRef: 'WH/MO/00012',
        workOrderId: 12,
      },
      {
        startMs: local(9, 30, 0, 250),
        endMs: local(10, 0),
        category: 'running',
        reason: null,
        orderRef: 'WH/MO/00013',
        workOrderId: 13,
      },
      {
        startMs: local(10, 0),
        endMs: local(13, 0),
        category: 'idle',
        reason: null,
        orderRef: 'WH/MO/00013',
        workOrderId: 13,
      },
      { startMs: local(13, 0), endMs: local(14, 0), category: 'idle', reason: null, orderRef: null, workOrderId: null },
    ]);
    const [none, mo12, mo13] = orders;
    expect(mo13!.goodCount).toBe(10); // 105 - 100 at 09:30:00.250 and 110 - 105 at 12:00
    expect(mo12!.goodCount).toBe(0);
    expect(none!.goodCount).toBe(0);
    expect(mo12!.timeByCategory.running).toBe(30 * MIN + 250);
    expect(mo13!.timeByCategory.running).toBe(30 * MIN - 250);
    expect([none!.stateChanges, mo12!.stateChanges, mo13!.stateChanges]).toEqual([0, 2, 1]);
    expect(shift.stateChanges).toBe(3);
    expect(mo12!.samplesApplied + mo13!.samplesApplied + none!.samplesApplied).toBe(shift.samplesApplied);
    expect(mo13!.firstEventMs).toBe(local(9, 30, 0, 250));
    for (const o of orders) expect([o.revision, o.final]).toEqual([shift.revision, shift.final]);
  });

  it('the shift summary keeps every figure it has without orders; only its intervals are split', () => {
    const { shift } = runExample();
    const plain = new WindowedProcessor(plan, { windowNames: ['shift'], attribution: false });
    plain.ingest(toEvents(plan, samples));
    const ref = plain.advanceTo(local(14, 1)).summaries.find((x) => x.windowId === shift.windowId)!;
    const strip = ({ intervals: _i, ...rest }: WindowSummary) => rest;
    expect(strip(shift)).toEqual(strip(ref));
    expect(shift.intervals.reduce((a, iv) => a + iv.endMs - iv.startMs, 0)).toBe(ref.lengthMs);
  });

  it('the batch reference gives the same', () => {
    const { shift, orders, p } = runExample();
    const ref = computeAll(samples, plan, {
      watermarkMs: p.watermarkMs,
      windowNames: ['shift'],
      snapshots: new Map([['WC1', lines]]),
    });
    expect(ref.summaries.find((x) => x.windowId === shift.windowId)).toEqual(shift);
    expect(ref.orderSummaries.filter((o) => o.windowId === shift.windowId)).toEqual(orders);
  });
});

describe('revisions of order summaries', () => {
  it('a late plant signal amends the shift: same revision for all, a retraction for a share that is gone', () => {
    const { p } = runExample();
    // The plant said WH/MO/00012 was over at 06:00 already (no order): its share goes away.
    const out = p.ingest(toEvents(plan, [s('M1a.ORDER', local(6, 0), '')]));
    expect(out.late.map((l) => l.amended)).toEqual([true]);
    expect(out.summaries.map((x) => [x.windowId, x.revision])).toEqual([['2026-03-30/early', 2]]);
    expect(out.orderSummaries.map((o) => [o.orderRef, o.revision, o.lengthMs])).toEqual([
      [null, 2, local(9, 30, 0, 250) - local(6, 0) + HOUR],
      ['WH/MO/00012', 2, 0],
      ['WH/MO/00013', 2, local(13, 0) - local(9, 30, 0, 250)],
    ]);
    const retraction = out.orderSummaries[1]!;
    expect(retraction).toMatchObject({ goodCount: 0, samplesApplied: 0, intervals: [], workOrderId: 12 });
    // The retraction is emitted once: a further amendment does not repeat it.
    const again = p.ingest(toEvents(plan, [s('M1a.ORDER', local(11, 0), 'WH/MO/00014')]));
    expect(again.orderSummaries.map((o) => [o.orderRef, o.revision])).toEqual([
      [null, 3],
      ['WH/MO/00013', 3],
      ['WH/MO/00014', 3],
    ]);
  });

  it('a newer snapshot amends the retained shift; an older one and a repeat change nothing', () => {
    const { p } = runExample();
    const moved = lines.map((l) => (l.workOrderId === 12 ? { ...l, dateStartMs: local(7, 0) } : l));
    const out = p.applyOrdersSnapshot({ workCenterId: 'WC1', atMs: local(14, 0), workOrders: moved });
    expect(out.summaries.map((x) => x.revision)).toEqual([2]);
    const byRef = new Map(out.orderSummaries.map((o) => [o.orderRef, o]));
    expect(byRef.get(null)!.lengthMs).toBe(HOUR + HOUR); // 06:00-07:00 and 13:00-14:00
    expect(byRef.get('WH/MO/00012')!.lengthMs).toBe(local(9, 30, 0, 250) - local(7, 0));
    expect(p.applyOrdersSnapshot({ workCenterId: 'WC1', atMs: local(13, 0), workOrders: lines }).summaries).toEqual([]);
    expect(p.applyOrdersSnapshot({ workCenterId: 'WC1', atMs: local(14, 0), workOrders: moved }).summaries).toEqual([]);
  });

  it('snapshot and restore keep signals, the Odoo lines and the shares already emitted', () => {
    const { p } = runExample();
    const snap = JSON.parse(JSON.stringify(p.snapshot())) as ProcessorSnapshot;
    expect(snap.orders?.map((o) => o[0])).toEqual(['WC1']);
    const q = WindowedProcessor.restore(plan, snap, { windowNames: ['shift'] });
    const late = toEvents(plan, [s('M1a.ORDER', local(6, 0), '')]);
    expect(JSON.stringify(q.ingest(late))).toBe(JSON.stringify(p.ingest(late)));
  });
});

describe('the running-order rule', () => {
  it('Odoo: started, not finished, not cancelled; latest start wins, tie: smallest id', () => {
    const ls = [
      line({ workOrderId: 5, dateStartMs: 100, dateFinishedMs: 200 }),
      line({ workOrderId: 4, dateStartMs: 150, state: 'cancel' }),
      line({ workOrderId: 3, dateStartMs: 120 }),
      line({ workOrderId: 2, dateStartMs: 120, state: 'done', dateFinishedMs: 300 }),
    ];
    expect(odooRunningAt(ls, 99)).toBeNull();
    expect(odooRunningAt(ls, 100)?.workOrderId).toBe(5);
    expect(odooRunningAt(ls, 160)?.workOrderId).toBe(2);
    expect(odooRunningAt(ls, 300)?.workOrderId).toBe(3);
  });

  it('Odoo: only started work orders run (progress, done); a planned date_start of one not started does not', () => {
    for (const state of ['pending', 'waiting', 'ready', 'blocked', 'cancel']) {
      // Odoo fills date_start from the planning slot before the work order is started.
      const ls = [line({ workOrderId: 7, dateStartMs: 100, state })];
      expect(odooRunningAt(ls, 150), state).toBeNull();
      const wc = new WorkCenterOrders();
      wc.applySnapshot(1, ls);
      expect(wc.runningAt(150), state).toBeNull();
      expect(wc.segments(0, 200), state).toEqual([{ startMs: 0, endMs: 200, ref: null, plant: false }]);
    }
    const started = [
      line({ workOrderId: 7, dateStartMs: 100, state: 'ready' }),
      line({ workOrderId: 8, dateStartMs: 50, state: 'progress' }),
    ];
    // The ready one's later planned start does not take over from the one in progress.
    expect(odooRunningAt(started, 150)?.workOrderId).toBe(8);
  });

  it('plant signals: same-ts ties go to the greater value, whatever the arrival order; duplicates once', () => {
    const a = new WorkCenterOrders();
    const b = new WorkCenterOrders();
    expect(a.addSignal('T', 10, 'MO/2')).toBe(true);
    expect(a.addSignal('T', 10, 'MO/10')).toBe(true);
    expect(a.addSignal('T', 10, 'MO/2')).toBe(false);
    b.addSignal('T', 10, 'MO/10');
    b.addSignal('T', 10, 'MO/2');
    expect(a.segments(0, 20)).toEqual(b.segments(0, 20));
    expect(a.segments(0, 20)).toEqual([
      { startMs: 0, endMs: 10, ref: null, plant: false },
      { startMs: 10, endMs: 20, ref: 'MO/2', plant: true },
    ]);
    // "No order" ("") loses a tie against any named order.
    a.addSignal('T', 15, '');
    a.addSignal('T', 15, 'MO/3');
    expect(a.segments(0, 20).at(-1)).toEqual({ startMs: 15, endMs: 20, ref: 'MO/3', plant: true });
  });
});
