// docs/semantics.md section 11 against the batch reference: random plant order signals (late ones,
// same-ts ties, "no order") and Odoo snapshots (finished, cancelled, older ones, late ones), any
// arrival order and batch sizes. Conservation holds for every revision; the last revision of every
// shift and every order share equals the reference over all inputs and the latest snapshot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowedProcessor, type ProcessorSnapshot } from '../../src/core/processor.js';
import { computeAll } from '../../src/testkit/reference.js';
import type { StateInterval, WindowSummary } from '../../src/core/types.js';
import {
  expectConservation,
  lastOrderRevisions,
  latestLines,
  mergeByTs,
  orderSignals,
  runAttributed,
  samplePicks,
  signalsAtSamples,
  snapshotUpdates,
} from '../support/attribution.js';
import { chainedStream } from '../support/orders.js';
import { HOUR, MIN, testPlan } from '../support/plan.js';
import { lastRevisions, toEvents } from '../support/run-core.js';
import { permuteWithin } from '../support/streams.js';

// Hourly shifts, so streams of a few hours close several of them; plus 15-minute windows.
const hourly = Array.from({ length: 24 }, (_, h) => ({
  name: `h${String(h).padStart(2, '0')}`,
  start: `${String(h).padStart(2, '0')}:00`,
  end: `${String((h + 1) % 24).padStart(2, '0')}:00`,
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const,
}));
const plan = testPlan({
  workCenters: 2,
  orderTags: true,
  silenceTimeoutMs: 4 * MIN,
  idealCycleTimeMs: 1000,
  windows: [
    { kind: 'tumbling', name: '15m', sizeMs: 15 * MIN },
    { kind: 'shift', name: 'shift' },
  ],
  calendar: { shifts: hourly },
});
const BOUND = plan.eventTime.outOfOrdernessMs;
const samplesArb = chainedStream({ workCenters: 2, maxGapMs: 200_000, length: 120 }, 8);
const signalsArb = orderSignals(2);
const updatesArb = snapshotUpdates(2, 100);

function reference(
  samples: Parameters<typeof computeAll>[0],
  watermarkMs: number,
  lines: ReturnType<typeof latestLines>,
) {
  return computeAll(samples, plan, { watermarkMs, snapshots: lines });
}

function expectLastRevisionsEqual(run: ReturnType<typeof runAttributed>, ref: ReturnType<typeof computeAll>): void {
  const have = lastRevisions(run.summaries);
  const want = lastRevisions(ref.summaries);
  expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [k, v] of want) expect(have.get(k), k).toEqual(v);
  const haveO = lastOrderRevisions(run.orderSummaries);
  const wantO = lastOrderRevisions(ref.orderSummaries);
  expect([...haveO.keys()].sort()).toEqual([...wantO.keys()].sort());
  for (const [k, v] of wantO) expect(haveO.get(k), k).toEqual(v);
}

describe('order attribution against the batch reference', () => {
  it('in event-time order, snapshots between events: conservation, and last revisions equal the reference', () => {
    fc.assert(
      fc.property(samplesArb, signalsArb, samplePicks(), updatesArb, (samples, grid, picks, updates) => {
        const all = mergeByTs(samples, [...grid, ...signalsAtSamples(samples, picks)]);
        const run = runAttributed(plan, toEvents(plan, all), updates);
        expectConservation(run.summaries, run.orderSummaries);
        expectLastRevisionsEqual(run, reference(all, run.processor.watermarkMs, latestLines(updates)));
      }),
      { numRuns: 150 },
    );
  });

  it('late samples and late order signals amend to the reference; conservation in every revision', () => {
    fc.assert(
      fc.property(
        samplesArb,
        signalsArb,
        samplePicks(),
        updatesArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 15 }),
        (samples, grid, atPicks, updates, picks) => {
          const signals = [...grid, ...signalsAtSamples(samples, atPicks)];
          const all = mergeByTs(samples, signals);
          // Hold back some inputs, signals favoured, and deliver them at the end.
          const held = new Set(
            picks.map((p) => (p % 2 === 0 && signals.length > 0 ? -1 - (p % signals.length) : p % all.length)),
          );
          const heldSignals = new Set([...held].filter((h) => h < 0).map((h) => signals[-1 - h]!));
          const isHeld = (s: (typeof all)[number], i: number): boolean => held.has(i) || heldSignals.has(s);
          const arrival = [...all.filter((s, i) => !isHeld(s, i)), ...all.filter((s, i) => isHeld(s, i))];
          const run = runAttributed(plan, toEvents(plan, arrival), updates);
          expectConservation(run.summaries, run.orderSummaries);
          expectLastRevisionsEqual(run, reference(all, run.processor.watermarkMs, latestLines(updates)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('arrival order within the bound and batch sizes change nothing (byte-identical, order summaries too)', () => {
    fc.assert(
      fc.property(
        samplesArb,
        signalsArb,
        updatesArb,
        fc.array(fc.integer({ min: 0, max: BOUND - 1 }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (samples, signals, updates, jitters, batches) => {
          const all = mergeByTs(samples, signals);
          const first = updates.map((u) => ({ ...u, atIndex: 0 }));
          const base = runAttributed(plan, toEvents(plan, all), first);
          const shuffled = runAttributed(plan, toEvents(plan, permuteWithin(all, jitters, BOUND)), first, batches);
          expect(JSON.stringify(shuffled.summaries)).toBe(JSON.stringify(base.summaries));
          expect(JSON.stringify(shuffled.orderSummaries)).toBe(JSON.stringify(base.orderSummaries));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('snapshot and restore at any point change nothing', () => {
    fc.assert(
      fc.property(samplesArb, signalsArb, updatesArb, fc.nat(), (samples, signals, updates, cutPick) => {
        const events = toEvents(plan, mergeByTs(samples, signals));
        const first = updates.map((u) => ({ ...u, atIndex: 0 }));
        const whole = runAttributed(plan, events, first);
        const cut = cutPick % (events.length + 1);
        const a = runAttributed(plan, events.slice(0, cut), first);
        const snap = JSON.parse(JSON.stringify(a.processor.snapshot())) as ProcessorSnapshot;
        const restored = WindowedProcessor.restore(plan, snap);
        const b = restored.ingest(events.slice(cut));
        expect(JSON.stringify([...a.summaries, ...b.summaries])).toBe(JSON.stringify(whole.summaries));
        expect(JSON.stringify([...a.orderSummaries, ...b.orderSummaries])).toBe(JSON.stringify(whole.orderSummaries));
      }),
      { numRuns: 80 },
    );
  });

  it('no order signals and no snapshots: the figures of attribution off, one "no order" share per shift', () => {
    fc.assert(
      fc.property(samplesArb, (samples) => {
        const events = toEvents(plan, samples);
        const on = runAttributed(plan, events);
        const off = runAttributed(plan, events, [], [1_000_000], { attribution: false });
        expect(off.orderSummaries).toEqual([]);
        const strip = (s: WindowSummary): WindowSummary => ({
          ...s,
          intervals: s.intervals.map(({ orderRef: _o, workOrderId: _w, ...iv }: StateInterval) => iv),
        });
        expect(JSON.stringify(on.summaries.map(strip))).toBe(JSON.stringify(off.summaries));
        const shifts = on.summaries.filter((s) => s.windowKind === 'shift');
        expect(on.orderSummaries.map((o) => [o.windowId, o.orderRef, o.lengthMs])).toEqual(
          shifts.map((s) => [s.windowId, null, s.lengthMs]),
        );
      }),
      { numRuns: 60 },
    );
  });
});

describe('long streams: three 8-hour shifts a day, the horizon', () => {
  const longPlan = testPlan({
    workCenters: 2,
    orderTags: true,
    silenceTimeoutMs: 20 * MIN,
    eventTime: { amendmentHorizonMs: 3 * HOUR },
  });
  it('with late signals inside and beyond the horizon, conservation holds in every revision', () => {
    fc.assert(
      fc.property(
        chainedStream({ workCenters: 2, maxGapMs: 40 * MIN, length: 160 }, 4),
        signalsArb,
        fc.array(fc.nat(), { maxLength: 10 }),
        (samples, signals, picks) => {
          const all = mergeByTs(
            samples,
            signals.map((s, i) => ({ ...s, tsMs: s.tsMs + (i % 3) * 4 * HOUR })),
          );
          const held = new Set(picks.map((p) => p % all.length));
          const arrival = [...all.filter((_, i) => !held.has(i)), ...all.filter((_, i) => held.has(i))];
          const run = runAttributed(longPlan, toEvents(longPlan, arrival));
          expectConservation(run.summaries, run.orderSummaries);
        },
      ),
      { numRuns: 60 },
    );
  });
});
