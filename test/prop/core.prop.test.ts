import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeWindowSummaries } from '../../src/testkit/reference.js';
import { STATE_CATEGORIES } from '../../src/core/types.js';
import { testPlan } from '../support/plan.js';
import { WindowedProcessor, type ProcessorSnapshot } from '../../src/core/processor.js';
import { lastRevisions, runCore, toEvents } from '../support/run-core.js';
import { permuteWithin, sampleStream } from '../support/streams.js';

const plan = testPlan({ workCenters: 2, silenceTimeoutMs: 4 * 60_000, idealCycleTimeMs: 1000 });
const stream = sampleStream({ workCenters: 2, maxGapMs: 150_000, length: 120 });
const BOUND = plan.eventTime.outOfOrdernessMs;

describe('streaming core against the batch reference', () => {
  it('in-order streams give exactly the reference summaries', () => {
    fc.assert(
      fc.property(stream, (samples) => {
        const run = runCore(plan, samples);
        const ref = computeWindowSummaries(samples, plan, { watermarkMs: run.processor.watermarkMs });
        expect(run.summaries).toEqual(ref);
      }),
      { numRuns: 150 },
    );
  });

  it('conservation: per work center and closed window, category times add up to the window length', () => {
    fc.assert(
      fc.property(stream, (samples) => {
        for (const s of runCore(plan, samples).summaries) {
          const sum = STATE_CATEGORIES.reduce((acc, c) => acc + s.timeByCategory[c], 0);
          expect(sum).toBe(s.endMs - s.startMs);
          const ivSum = s.intervals.reduce((acc, iv) => acc + (iv.endMs - iv.startMs), 0);
          expect(ivSum).toBe(s.lengthMs);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('permuting arrival order within the bound and changing batch sizes changes nothing (byte-identical)', () => {
    fc.assert(
      fc.property(
        stream,
        fc.array(fc.integer({ min: 0, max: BOUND - 1 }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (samples, jitters, batches) => {
          const base = runCore(plan, samples);
          const shuffled = runCore(plan, permuteWithin(samples, jitters, BOUND), batches);
          expect(shuffled.late).toEqual([]);
          expect(JSON.stringify(shuffled.summaries)).toBe(JSON.stringify(base.summaries));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('duplicates change nothing', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 30 }), (samples, picks) => {
        // Each duplicate arrives right after its original (no reordering beyond the bound).
        const copies = new Map<number, number>();
        for (const p of picks) copies.set(p % samples.length, (copies.get(p % samples.length) ?? 0) + 1);
        const dup = samples.flatMap((s, i) => Array.from({ length: 1 + (copies.get(i) ?? 0) }, () => s));
        expect(JSON.stringify(runCore(plan, dup).summaries)).toBe(JSON.stringify(runCore(plan, samples).summaries));
      }),
      { numRuns: 100 },
    );
  });

  it('after any mix of late samples, the last revision equals the batch reference over all samples', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { minLength: 1, maxLength: 15 }), (samples, picks) => {
        // Hold some samples back and deliver them at the end: late for closed windows.
        const held = new Set(picks.map((p) => p % samples.length));
        const onTime = samples.filter((_, i) => !held.has(i));
        const late = samples.filter((_, i) => held.has(i));
        const run = runCore(plan, [...onTime, ...late]);
        const ref = computeWindowSummaries(samples, plan, { watermarkMs: run.processor.watermarkMs });
        const got = lastRevisions(run.summaries);
        const want = lastRevisions(ref);
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [k, v] of want) expect(got.get(k), k).toEqual(v);
      }),
      { numRuns: 200 },
    );
  });
});

describe('long streams: shifts across the clock change, horizon, snapshots', () => {
  const longPlan = testPlan({
    workCenters: 2,
    silenceTimeoutMs: 20 * 60_000,
    eventTime: { amendmentHorizonMs: 3 * 3_600_000 },
  });
  const longStream = sampleStream({ workCenters: 2, maxGapMs: 40 * 60_000, length: 160 });

  it('shift summaries equal the reference across the spring-forward night', () => {
    fc.assert(
      fc.property(longStream, (samples) => {
        const run = runCore(longPlan, samples);
        const ref = computeWindowSummaries(samples, longPlan, { watermarkMs: run.processor.watermarkMs });
        expect(run.summaries).toEqual(ref);
      }),
      { numRuns: 60 },
    );
  });

  it('late samples past the horizon are reported only; the rest is amended to the reference', () => {
    fc.assert(
      fc.property(longStream, fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (samples, picks) => {
        const held = new Set(picks.map((p) => p % samples.length));
        const run = runCore(longPlan, [
          ...samples.filter((_, i) => !held.has(i)),
          ...samples.filter((_, i) => held.has(i)),
        ]);
        const reportedOnly = new Set(run.late.filter((l) => !l.amended).map((l) => `${l.tag}|${l.tsMs}`));
        const applied = samples.filter((s) => !reportedOnly.has(`${s.tag}|${s.tsMs}`));
        const ref = computeWindowSummaries(applied, longPlan, { watermarkMs: run.processor.watermarkMs });
        const got = lastRevisions(run.summaries);
        const want = lastRevisions(ref);
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [k, v] of want) expect(got.get(k), k).toEqual(v);
        for (const l of run.late) expect(l.latenessMs).toBe(l.watermarkMs - l.tsMs);
      }),
      { numRuns: 80 },
    );
  });

  it('snapshot and restore at any point change nothing', () => {
    fc.assert(
      fc.property(longStream, fc.nat(), fc.array(fc.nat(), { maxLength: 8 }), (samples, cutPick, picks) => {
        const held = new Set(picks.map((p) => p % samples.length));
        const arrival = [...samples.filter((_, i) => !held.has(i)), ...samples.filter((_, i) => held.has(i))];
        const events = toEvents(longPlan, arrival);
        const whole = new WindowedProcessor(longPlan).ingest(events);
        const cut = cutPick % (events.length + 1);
        const first = new WindowedProcessor(longPlan);
        const a = first.ingest(events.slice(0, cut));
        const snap = JSON.parse(JSON.stringify(first.snapshot())) as ProcessorSnapshot;
        const b = WindowedProcessor.restore(longPlan, snap).ingest(events.slice(cut));
        expect(JSON.stringify([...a.summaries, ...b.summaries])).toBe(JSON.stringify(whole.summaries));
        expect(JSON.stringify([...a.late, ...b.late])).toBe(JSON.stringify(whole.late));
      }),
      { numRuns: 80 },
    );
  });
});
