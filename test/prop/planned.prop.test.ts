// Planned maintenance as planned time (docs/semantics.md section 12) against the batch reference:
// whatever the PLC says inside a scheduled preventive request is planned_stop/planned-maintenance,
// unless the machine runs; a snapshot before the samples, one mid-stream (amending the closed
// windows) and a replacement all end at the reference over all samples and the latest snapshot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlannedStop } from '../../src/core/planned-maintenance.js';
import { WindowedProcessor } from '../../src/core/processor.js';
import type { RawSample, WindowSummary } from '../../src/core/types.js';
import { computeWindowSummaries } from '../../src/testkit/reference.js';
import { testPlan } from '../support/plan.js';
import { lastRevisions, toEvents } from '../support/run-core.js';
import { T0, sampleStream } from '../support/streams.js';

const plan = testPlan({ workCenters: 2, silenceTimeoutMs: 4 * 60_000, idealCycleTimeMs: 1000 });
const stream = sampleStream({ workCenters: 2, maxGapMs: 150_000, length: 120 });

const stops = fc.array(
  fc.record({
    wc: fc.integer({ min: 1, max: 2 }),
    // Often on whole minutes, so stops start and end on window bounds too.
    start: fc.oneof(
      fc.integer({ min: -30 * 60_000, max: 5 * 3_600_000 }),
      fc.integer({ min: -30, max: 300 }).map((m) => m * 60_000),
    ),
    len: fc.oneof(
      fc.integer({ min: 0, max: 90 * 60_000 }),
      fc.integer({ min: 0, max: 90 }).map((m) => m * 60_000),
    ),
    id: fc.integer({ min: 1, max: 50 }),
  }),
  { maxLength: 6 },
);

type Stops = Map<string, PlannedStop[]>;

function toStops(list: readonly { wc: number; start: number; len: number; id: number }[]): Stops {
  const out: Stops = new Map([
    ['WC1', []],
    ['WC2', []],
  ]);
  for (const s of list)
    out
      .get(`WC${s.wc}`)!
      .push({ requestId: s.id, name: `PM/${s.id}`, startMs: T0 + s.start, endMs: T0 + s.start + s.len });
  for (const l of out.values()) l.sort((a, b) => a.startMs - b.startMs || a.requestId - b.requestId);
  return out;
}

/** Runs the core with snapshots applied before event index `at` (in the order given). */
function run(
  samples: readonly RawSample[],
  snapshots: readonly { at: number; stops: Stops }[],
): { summaries: WindowSummary[]; watermarkMs: number } {
  const p = new WindowedProcessor(plan);
  const events = toEvents(plan, samples);
  const summaries: WindowSummary[] = [];
  let atMs = 1;
  const apply = (st: Stops): void => {
    for (const [wc, list] of st)
      summaries.push(
        ...p.applyOrdersSnapshot({ workCenterId: wc, atMs: atMs++, workOrders: [], plannedMaintenance: list })
          .summaries,
      );
  };
  for (let i = 0; i <= events.length; i++) {
    for (const s of snapshots) if (s.at === i) apply(s.stops);
    if (i < events.length) summaries.push(...p.ingest([events[i]!]).summaries);
  }
  return { summaries, watermarkMs: p.watermarkMs };
}

function reference(samples: readonly RawSample[], watermarkMs: number, st: Stops | undefined): WindowSummary[] {
  return computeWindowSummaries(samples, plan, { watermarkMs, ...(st === undefined ? {} : { planned: st }) });
}

describe('planned maintenance against the batch reference', () => {
  it('a snapshot before the samples gives exactly the reference', () => {
    fc.assert(
      fc.property(stream, stops, (samples, list) => {
        const st = toStops(list);
        const r = run(samples, [{ at: 0, stops: st }]);
        expect(r.summaries).toEqual(reference(samples, r.watermarkMs, st));
      }),
      { numRuns: 150 },
    );
  });

  it('a snapshot mid-stream, then a replacement: the last revisions equal the reference of the latest', () => {
    fc.assert(
      fc.property(stream, stops, stops, fc.nat(), fc.nat(), (samples, first, second, a, b) => {
        const n = toEvents(plan, samples).length + 1;
        const at1 = a % n;
        const at2 = at1 + (b % (n - at1));
        const st2 = toStops(second);
        const r = run(samples, [
          { at: at1, stops: toStops(first) },
          { at: at2, stops: st2 },
        ]);
        expect(lastRevisions(r.summaries)).toEqual(lastRevisions(reference(samples, r.watermarkMs, st2)));
      }),
      { numRuns: 150 },
    );
  });

  it('running time is never taken, and the time inside the stops is planned unless running', () => {
    fc.assert(
      fc.property(stream, stops, (samples, list) => {
        const st = toStops(list);
        const withStops = run(samples, [{ at: 0, stops: st }]).summaries;
        const without = run(samples, []).summaries;
        expect(withStops.length).toBe(without.length);
        withStops.forEach((s, i) => {
          const w = without[i]!;
          expect(s.runtimeMs).toBe(w.runtimeMs);
          expect(s.goodCount).toBe(w.goodCount);
          expect(s.timeByCategory.planned_stop).toBeGreaterThanOrEqual(w.timeByCategory.planned_stop);
          for (const iv of s.intervals) {
            const inside = st
              .get(s.workCenterId)!
              .some((p) => p.startMs <= iv.startMs && iv.endMs <= p.endMs && p.endMs > p.startMs);
            if (inside && iv.category !== 'running')
              expect(iv).toMatchObject({ category: 'planned_stop', reason: 'planned-maintenance' });
          }
        });
      }),
      { numRuns: 100 },
    );
  });
});
