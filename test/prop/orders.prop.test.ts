// Order tagging: the running-order rule against a literal reading of it, and the streaming core's
// `orders` against the batch reference, whatever the batch sizes, arrival order within the bound,
// snapshots and late samples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrdersTable, runningOrderOf, runningWorkOrder, type OrderLine } from '../../src/core/orders.js';
import { WindowedProcessor, type ProcessorOptions, type ProcessorSnapshot } from '../../src/core/processor.js';
import { computeWindowSummaries } from '../../src/testkit/reference.js';
import { withRunningOrder, type MachineEvent, type WindowSummary } from '../../src/core/types.js';
import { chainedStream, orderLines, sampleKey, tableUpdates, tagStream } from '../support/orders.js';
import { testPlan } from '../support/plan.js';
import { lastRevisions, toEvents } from '../support/run-core.js';
import { permuteWithin, T0 } from '../support/streams.js';

const plan = testPlan({ workCenters: 2, silenceTimeoutMs: 4 * 60_000, idealCycleTimeMs: 1000 });
// About 30 samples over an hour per stream; a third of the events tagged, some windows with two orders.
const stream = chainedStream({ workCenters: 2, maxGapMs: 100_000, length: 120 }, 8);
const updates = tableUpdates(2, 40);
const BOUND = plan.eventTime.outOfOrdernessMs;
const TAGGED: ProcessorOptions = { orders: true };

function run(
  events: readonly MachineEvent[],
  batches: readonly number[] = [1_000_000],
  options: ProcessorOptions = TAGGED,
): { summaries: WindowSummary[]; processor: WindowedProcessor } {
  const processor = new WindowedProcessor(plan, options);
  const summaries: WindowSummary[] = [];
  let i = 0;
  let b = 0;
  while (i < events.length) {
    const size = Math.max(1, batches[b++ % batches.length] ?? 1);
    summaries.push(...processor.ingest(events.slice(i, i + size)).summaries);
    i += size;
  }
  return { summaries, processor };
}

/** The rule as written: progress, started at or before t; latest start; tie: smallest id. */
function literalRule(lines: readonly OrderLine[], t: number): OrderLine | null {
  const eligible = lines.filter((l) => l.state === 'progress' && l.dateStartMs !== null && l.dateStartMs <= t);
  eligible.sort((a, b) => b.dateStartMs! - a.dateStartMs! || a.workOrderId - b.workOrderId);
  return eligible[0] ?? null;
}

describe('running order rule', () => {
  it('runningWorkOrder and the OrdersTable give what the rule says, at any instant', () => {
    fc.assert(
      fc.property(
        orderLines(8),
        fc.integer({ min: -6, max: 20 }),
        fc.integer({ min: -1, max: 1 }),
        (lines, step, nudge) => {
          const t = T0 + step * 600_000 + nudge;
          const want = literalRule(lines, t);
          expect(runningWorkOrder(lines, t)).toEqual(want);
          const table = new OrdersTable();
          table.apply({ workCenterId: 'WC1', workOrders: lines });
          expect(table.runningAt('WC1', t)).toEqual(want === null ? null : runningOrderOf(want));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('summaries carry the running orders of their events', () => {
  it('in-order streams give exactly the reference summaries, orders included', () => {
    fc.assert(
      fc.property(stream, updates, (samples, ups) => {
        const tagged = tagStream(plan, samples, ups);
        const got = run(tagged.events);
        const ref = computeWindowSummaries(samples, plan, {
          watermarkMs: got.processor.watermarkMs,
          runningOrder: (e) => tagged.orderOf.get(sampleKey(e)) ?? null,
        });
        expect(got.summaries).toEqual(ref);
        for (const s of got.summaries) expect(s.orders).toEqual([...new Set(s.orders)].sort());
      }),
      { numRuns: 150 },
    );
  });

  it('same enriched input, any batch sizes and arrival order within the bound: byte-identical summaries', () => {
    fc.assert(
      fc.property(
        stream,
        updates,
        fc.array(fc.integer({ min: 0, max: BOUND - 1 }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (samples, ups, jitters, batches) => {
          const { events } = tagStream(plan, samples, ups);
          const base = run(events);
          // Permute the tagged events as the samples would be (the tag travels with the event).
          const byKey = new Map(events.map((e) => [sampleKey(e), e]));
          const arrival = permuteWithin(samples, jitters, BOUND).flatMap((s) => {
            const e = byKey.get(sampleKey(s));
            return e === undefined ? [] : [e];
          });
          const shuffled = run(arrival, batches);
          expect(JSON.stringify(shuffled.summaries)).toBe(JSON.stringify(base.summaries));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('after late samples, the last revision equals the reference over all samples, orders included', () => {
    fc.assert(
      fc.property(stream, updates, fc.array(fc.nat(), { minLength: 1, maxLength: 15 }), (samples, ups, picks) => {
        const tagged = tagStream(plan, samples, ups);
        const held = new Set(picks.map((p) => p % tagged.events.length));
        const arrival = [
          ...tagged.events.filter((_, i) => !held.has(i)),
          ...tagged.events.filter((_, i) => held.has(i)),
        ];
        const got = run(arrival);
        const ref = computeWindowSummaries(samples, plan, {
          watermarkMs: got.processor.watermarkMs,
          runningOrder: (e) => tagged.orderOf.get(sampleKey(e)) ?? null,
        });
        const have = lastRevisions(got.summaries);
        const want = lastRevisions(ref);
        expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [k, v] of want) expect(have.get(k), k).toEqual(v);
      }),
      { numRuns: 150 },
    );
  });

  it('snapshot and restore at any point change nothing (version 3 exactly when a kept event has a tag)', () => {
    fc.assert(
      fc.property(stream, updates, fc.nat(), (samples, ups, cutPick) => {
        const { events } = tagStream(plan, samples, ups);
        const whole = run(events).summaries;
        const cut = cutPick % (events.length + 1);
        const first = new WindowedProcessor(plan, TAGGED);
        const a = first.ingest(events.slice(0, cut)).summaries;
        const snap = JSON.parse(JSON.stringify(first.snapshot())) as ProcessorSnapshot;
        expect(snap.v).toBe(
          events.slice(0, cut).some((e) => e.runningOrder !== undefined && e.kind !== 'milestone') ? 3 : 2,
        );
        const b = WindowedProcessor.restore(plan, snap, TAGGED).ingest(events.slice(cut)).summaries;
        expect(JSON.stringify([...a, ...b])).toBe(JSON.stringify(whole));
      }),
      { numRuns: 100 },
    );
  });

  it(
    'tagging off: tagged events give byte-identical summaries ' + 'and snapshots to untagged ones, orders undefined',
    () => {
      fc.assert(
        fc.property(stream, updates, (samples, ups) => {
          const plain = toEvents(plan, samples);
          const { events } = tagStream(plan, samples, ups);
          const off = new WindowedProcessor(plan);
          const offOut = off.ingest(events).summaries;
          const untagged = new WindowedProcessor(plan);
          const untaggedOut = untagged.ingest(plain).summaries;
          expect(JSON.stringify(offOut)).toBe(JSON.stringify(untaggedOut));
          expect(JSON.stringify(off.snapshot())).toBe(JSON.stringify(untagged.snapshot()));
          for (const s of offOut) expect(s.orders).toBeUndefined();
          // Tagging on, nothing tagged: the same summaries plus `orders: []`.
          const onOut = run(plain).summaries;
          expect(onOut).toEqual(untaggedOut.map((s) => ({ ...s, orders: [] })));
        }),
        { numRuns: 100 },
      );
    },
  );
});

describe('tags are what the engine gives them', () => {
  it('a tag on a milestone event does not reach the windowed lane', () => {
    const e = toEvents(plan, [
      { tag: 'M1a.DOWN', tsMs: T0, value: 'WO/1', quality: 'good' },
      { tag: 'M1a.STATE', tsMs: T0 + 1, value: 1, quality: 'good' },
    ]);
    const tagged = e.map((x, i) =>
      withRunningOrder(x, { order: i === 0 ? 'MO/milestone' : 'MO/state', workOrderId: i + 1 }),
    );
    const p = new WindowedProcessor(plan, TAGGED);
    p.ingest(tagged);
    const out = p.advanceTo(T0 + 3_600_000).summaries;
    expect(out.length).toBeGreaterThan(0);
    for (const s of out) expect(s.orders ?? []).not.toContain('MO/milestone');
    expect(out.some((s) => s.orders?.includes('MO/state'))).toBe(true);
  });
});
