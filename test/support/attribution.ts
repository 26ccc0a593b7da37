// Order attribution for core property tests (docs/semantics.md section 11): random plant order
// signals merged into a sample stream, random Odoo snapshots (finished and cancelled work orders
// included), a driver that applies the snapshots between events, and the conservation check.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { OrderLine } from '../../src/core/orders.js';
import type { PlantPlan } from '../../src/core/plan.js';
import { WindowedProcessor, type ProcessorOptions } from '../../src/core/processor.js';
import type { MachineEvent, OrderSummary, RawSample, WindowSummary } from '../../src/core/types.js';
import { STATE_CATEGORIES } from '../../src/core/types.js';
import { T0 } from './streams.js';

/** Plant values: "" is "no order"; 'WO 4' and 'WO 9' match work orders by their own name. */
const VALUES = ['', 'MO/1', 'MO/2', 'MO/3', 'WO 4', 'WO 9'];

/** Order signals on a 5-minute grid (± 1 ms), so ties, and signals at sample instants, occur. */
export function orderSignals(workCenters: number, maxLength = 12): fc.Arbitrary<RawSample[]> {
  const signal = fc.record({
    step: fc.integer({ min: -2, max: 40 }),
    nudge: fc.integer({ min: -1, max: 1 }),
    wc: fc.integer({ min: 1, max: workCenters }),
    value: fc.constantFrom(...VALUES),
  });
  return fc.array(signal, { maxLength, size: 'max' }).map((list) =>
    list.map((s) => ({
      tag: `M${s.wc}a.ORDER`,
      tsMs: T0 + s.step * 300_000 + s.nudge,
      value: s.value,
      quality: 'good' as const,
    })),
  );
}

/** Picks for signalsAtSamples: which sample, which value. */
export function samplePicks(maxLength = 6): fc.Arbitrary<{ pick: number; value: string }[]> {
  return fc.array(fc.record({ pick: fc.nat(), value: fc.constantFrom(...VALUES) }), { maxLength });
}

/** Order signals exactly at picked samples' instants, on their work center (counts at a change). */
export function signalsAtSamples(
  samples: readonly RawSample[],
  picks: readonly { pick: number; value: string }[],
): RawSample[] {
  if (samples.length === 0) return [];
  return picks.map(({ pick, value }) => {
    const s = samples[pick % samples.length]!;
    const machine = s.tag.slice(0, s.tag.indexOf('.'));
    return { tag: `M${machine.slice(1, -1)}a.ORDER`, tsMs: s.tsMs, value, quality: 'good' as const };
  });
}

/** Samples and signals in event-time order (stable: a signal goes after samples of its ts). */
export function mergeByTs(samples: readonly RawSample[], signals: readonly RawSample[]): RawSample[] {
  return [...samples.map((s, i) => ({ s, i })), ...signals.map((s, i) => ({ s, i: samples.length + i }))]
    .sort((a, b) => a.s.tsMs - b.s.tsMs || a.i - b.i)
    .map((x) => x.s);
}

const STATES = ['progress', 'progress', 'ready', 'done', 'cancel'] as const;

/** A work center's lines: starts and finishes on the 5-minute grid, some finished, some cancelled. */
export function attributionLines(maxLength = 5): fc.Arbitrary<OrderLine[]> {
  const line = fc.record({
    workOrderId: fc.integer({ min: 1, max: 12 }),
    state: fc.constantFrom(...STATES),
    startStep: fc.option(fc.integer({ min: -4, max: 30 }), { nil: null, freq: 6 }),
    length: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null, freq: 2 }),
    production: fc.integer({ min: 0, max: 4 }),
  });
  return fc.array(line, { maxLength, size: 'max' }).map((lines) =>
    lines.map((l) => ({
      workOrderId: l.workOrderId,
      name: `WO ${l.workOrderId}`,
      state: l.state,
      productionId: l.production === 0 ? null : 100 + l.production,
      productionName: l.production === 0 ? null : `MO/${l.production}`,
      productId: null,
      productName: null,
      qtyProduction: 10,
      qtyProduced: 0,
      dateStartMs: l.startStep === null ? null : T0 + l.startStep * 300_000,
      dateFinishedMs: l.startStep === null || l.length === null ? null : T0 + (l.startStep + l.length) * 300_000,
    })),
  );
}

export interface SnapshotUpdate {
  /** Applied before the event at this position of the arrival order. */
  readonly atIndex: number;
  readonly workCenterId: string;
  readonly atMs: number;
  readonly workOrders: readonly OrderLine[];
}

/** Snapshot updates at random positions; atMs random too (an older one is ignored), ties occur. */
export function snapshotUpdates(workCenters: number, length: number): fc.Arbitrary<SnapshotUpdate[]> {
  const update = fc.record({
    atIndex: fc.integer({ min: 0, max: length }),
    workCenterId: fc.integer({ min: 1, max: workCenters }).map((i) => `WC${i}`),
    atMs: fc.integer({ min: 0, max: 5 }).map((k) => T0 + k * 60_000),
    workOrders: attributionLines(),
  });
  return fc.array(update, { maxLength: 6 }).map((ups) => [...ups].sort((a, b) => a.atIndex - b.atIndex));
}

/** The lines that count at the end: per work center, the last applied of those with the greatest atMs. */
export function latestLines(updates: readonly SnapshotUpdate[]): Map<string, readonly OrderLine[]> {
  const best = new Map<string, SnapshotUpdate>();
  for (const u of updates) {
    const cur = best.get(u.workCenterId);
    if (cur === undefined || u.atMs >= cur.atMs) best.set(u.workCenterId, u);
  }
  return new Map([...best].map(([wc, u]) => [wc, u.workOrders]));
}

export interface AttributedRun {
  readonly summaries: WindowSummary[];
  readonly orderSummaries: OrderSummary[];
  readonly processor: WindowedProcessor;
}

/** Ingests `events` in batches, applying each snapshot update before the event at its position. */
export function runAttributed(
  plan: PlantPlan,
  events: readonly MachineEvent[],
  updates: readonly SnapshotUpdate[] = [],
  batches: readonly number[] = [1_000_000],
  options: ProcessorOptions = {},
): AttributedRun {
  const processor = new WindowedProcessor(plan, options);
  const summaries: WindowSummary[] = [];
  const orderSummaries: OrderSummary[] = [];
  const take = (o: { summaries: WindowSummary[]; orderSummaries: OrderSummary[] }): void => {
    summaries.push(...o.summaries);
    orderSummaries.push(...o.orderSummaries);
  };
  let i = 0;
  let b = 0;
  let u = 0;
  const applyUpTo = (pos: number): void => {
    for (; u < updates.length && updates[u]!.atIndex <= pos; u++) take(processor.applyOrdersSnapshot(updates[u]!));
  };
  while (i < events.length) {
    applyUpTo(i);
    // A batch stops at the next update's position.
    const next = u < updates.length ? updates[u]!.atIndex : Infinity;
    const size = Math.min(Math.max(1, batches[b++ % batches.length] ?? 1), Math.max(1, next - i));
    take(processor.ingest(events.slice(i, i + size)));
    i += size;
  }
  applyUpTo(Infinity);
  return { summaries, orderSummaries, processor };
}

type Comparable = Omit<OrderSummary, 'revision' | 'lateSamples'>;

/**
 * The last revision of every order share, keyed `<window>/<wc>/<ref>`, without stream-only
 * fields. A share whose last revision is a retraction (lengthMs 0) is left out: it is gone.
 */
export function lastOrderRevisions(orders: readonly OrderSummary[]): Map<string, Comparable> {
  const result = new Map<string, Comparable>();
  const revs = new Map<string, number>();
  for (const o of orders) {
    const key = `${o.windowName}/${o.windowId}/${o.workCenterId}/${o.orderRef ?? '(none)'}`;
    if ((revs.get(key) ?? 0) >= o.revision) continue;
    revs.set(key, o.revision);
    const { revision: _r, lateSamples: _l, ...rest } = o;
    result.set(key, rest);
  }
  for (const [k, v] of [...result]) if (v.lengthMs === 0) result.delete(k);
  return result;
}

function sumRecord(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/**
 * Section 11's conservation: for every shift summary revision, its order summaries (retractions
 * aside) add up exactly to it, and their intervals together are the shift's intervals.
 */
/** Returns the number of shift summaries checked. */
export function expectConservation(summaries: readonly WindowSummary[], orders: readonly OrderSummary[]): number {
  const byShift = new Map<string, OrderSummary[]>();
  for (const o of orders) {
    const key = `${o.windowName}/${o.windowId}/${o.workCenterId}/${o.revision}`;
    const list = byShift.get(key) ?? [];
    list.push(o);
    byShift.set(key, list);
  }
  let shifts = 0;
  for (const s of summaries) {
    if (s.windowKind !== 'shift') continue;
    shifts++;
    const all = byShift.get(`${s.windowName}/${s.windowId}/${s.workCenterId}/${s.revision}`) ?? [];
    byShift.delete(`${s.windowName}/${s.windowId}/${s.workCenterId}/${s.revision}`);
    const shares = all.filter((o) => o.lengthMs > 0);
    expect(shares.length, `${s.windowId} ${s.workCenterId} r${s.revision}: shares`).toBeGreaterThan(0);
    expect(new Set(all.map((o) => o.orderRef)).size).toBe(all.length);
    const sum = (f: (o: OrderSummary) => number): number => shares.reduce((a, o) => a + f(o), 0);
    const at = `${s.windowId} ${s.workCenterId} r${s.revision}`;
    expect(
      sum((o) => o.lengthMs),
      at,
    ).toBe(s.lengthMs);
    expect(
      sum((o) => o.plannedMs),
      at,
    ).toBe(s.plannedMs);
    expect(
      sum((o) => o.runtimeMs),
      at,
    ).toBe(s.runtimeMs);
    expect(
      sum((o) => o.downtimeMs),
      at,
    ).toBe(s.downtimeMs);
    for (const c of STATE_CATEGORIES)
      expect(
        sum((o) => o.timeByCategory[c]),
        `${at} ${c}`,
      ).toBe(s.timeByCategory[c]);
    const reasons = sumRecord(shares.map((o) => o.downtimeByReason));
    expect(reasons, at).toEqual(s.downtimeByReason);
    expect(
      sum((o) => o.goodCount),
      at,
    ).toBe(s.goodCount);
    expect(
      sum((o) => o.scrapCount),
      at,
    ).toBe(s.scrapCount);
    expect(sumRecord(shares.map((o) => o.counts)), at).toEqual(s.counts);
    expect(
      sum((o) => o.samplesApplied),
      at,
    ).toBe(s.samplesApplied);
    expect(
      sum((o) => o.lateSamples),
      at,
    ).toBe(s.lateSamples);
    expect(
      sum((o) => o.stateChanges),
      at,
    ).toBe(s.stateChanges);
    const firsts = shares.map((o) => o.firstEventMs).filter((x): x is number => x !== null);
    expect(firsts.length === 0 ? null : Math.min(...firsts), at).toBe(s.firstEventMs);
    const lasts = shares.map((o) => o.lastEventMs).filter((x): x is number => x !== null);
    expect(lasts.length === 0 ? null : Math.max(...lasts), at).toBe(s.lastEventMs);
    const intervals = shares.flatMap((o) => o.intervals).sort((a, b) => a.startMs - b.startMs);
    expect(intervals, at).toEqual(s.intervals);
    for (const o of shares) for (const iv of o.intervals) expect(iv.orderRef ?? null).toBe(o.orderRef);
    for (const o of all) expect([o.final, o.startMs, o.endMs]).toEqual([s.final, s.startMs, s.endMs]);
  }
  // No order summary without its shift summary revision.
  expect([...byShift.keys()]).toEqual([]);
  return shifts;
}

/**
 * A summary as the Avro summary codec reads it back: an interval's null `orderRef`/`workOrderId`
 * (no order) is no key (io/avro/codecs.ts), so compare core output and decoded output without them.
 */
export function withoutNullOrderKeys<T extends { intervals: readonly object[] } | undefined>(v: T): T {
  if (v === undefined) return v;
  return {
    ...v,
    intervals: v.intervals.map((iv) =>
      Object.fromEntries(
        Object.entries(iv).filter(([k, x]) => x !== null || (k !== 'orderRef' && k !== 'workOrderId')),
      ),
    ),
  };
}
