// Inspections in the figures (docs/semantics.md section 9.4): each inspection milestone counts one
// in the window holding its instant; an exact duplicate once; a late one amends by the revision
// rule and is reported as the milestone it is; an inspection is no sign of life of its machine.
import { describe, expect, it } from 'vitest';
import { WindowedProcessor } from '../../../src/core/processor.js';
import type { RawSample, WindowSummary } from '../../../src/core/types.js';
import { computeWindowSummaries } from '../../../src/testkit/reference.js';
import { MIN, testPlan } from '../../support/plan.js';
import { runCore, toEvents } from '../../support/run-core.js';

const T = Date.UTC(2026, 5, 1, 10, 0, 0);
const s = (tag: string, offsetMs: number, value: number | string | boolean): RawSample => ({
  tag,
  tsMs: T + offsetMs,
  value,
  quality: 'good',
});
const plan = testPlan({
  windows: [{ kind: 'tumbling', name: '1m', sizeMs: MIN }],
  silenceTimeoutMs: 2 * MIN,
  eventTime: { amendmentHorizonMs: 10 * MIN },
});
const at = (out: readonly WindowSummary[], offsetMs: number, revision = 1): WindowSummary => {
  const hit = out.find((x) => x.startMs === T + offsetMs && x.revision === revision && x.workCenterId === 'WC1');
  if (hit === undefined) throw new Error(`no summary at +${offsetMs} ms revision ${revision}`);
  return hit;
};

describe('inspections in the figures', () => {
  it('count per window: measured by the limits, or as the PLC decided; duplicates once', () => {
    const samples = [
      s('M1a.STATE', 0, 1),
      s('M1a.BORE', 5_000, 12.0), // passed
      s('M1a.BORE', 6_000, 12.06), // failed: above 12.05
      s('M1a.BORE', 6_000, 12.06), // exact duplicate: once
      s('M1a.BORE', 7_000, 11.95), // passed: limits are inclusive
      s('M1b.QC_FAIL', 50_000, 'WO/1'), // failed (the PLC's verdict)
      s('M1b.QC_FAIL', 61_000, 'WO/1'), // next window
      s('M1a.HB', 5 * MIN, true),
    ];
    const out = runCore(plan, samples).summaries;
    expect(at(out, 0)).toMatchObject({ inspectionsPassed: 2, inspectionsFailed: 2 });
    expect(at(out, MIN)).toMatchObject({ inspectionsPassed: 0, inspectionsFailed: 1 });
    expect(at(out, 2 * MIN)).toMatchObject({ inspectionsPassed: 0, inspectionsFailed: 0 });
    // The batch reference agrees.
    const ref = computeWindowSummaries(samples, plan, { watermarkMs: T + 5 * MIN - 30_000 });
    for (const r of ref) {
      const got = out.find((x) => x.startMs === r.startMs && x.workCenterId === r.workCenterId)!;
      expect({ p: got.inspectionsPassed, f: got.inspectionsFailed }).toEqual({
        p: r.inspectionsPassed,
        f: r.inspectionsFailed,
      });
    }
  });

  it('an inspection does not refresh the silence of its machine', () => {
    const out = runCore(plan, [
      s('M1a.STATE', 0, 1),
      s('M1a.BORE', 100_000, 12.0), // on the state machine, but no sign of life
      s('M1a.HB', 6 * MIN, true),
    ]).summaries;
    // Silent from 2 min (last machine sample at 0): unknown, although the inspection came at 100 s.
    expect(at(out, 2 * MIN).timeByCategory).toMatchObject({ running: 0, unknown: MIN });
    expect(at(out, MIN)).toMatchObject({ inspectionsPassed: 1, samplesApplied: 1 });
  });

  it('a late inspection amends the closed window (revision 2) and is reported as the milestone', () => {
    const p = new WindowedProcessor(plan);
    const ev = (x: RawSample) => toEvents(plan, [x]);
    p.ingest(ev(s('M1a.STATE', 0, 1)));
    const closed = p.ingest(ev(s('M1a.HB', 5 * MIN, true))).summaries;
    expect(closed.find((x) => x.startMs === T)).toMatchObject({ revision: 1, inspectionsFailed: 0 });
    const late = p.ingest(ev(s('M1a.BORE', 30_000, 13)));
    expect(late.late).toHaveLength(1);
    expect(late.late[0]).toMatchObject({ amended: true, machineId: 'M1a', tag: 'M1a.BORE' });
    expect(late.late[0]!.event).toMatchObject({ kind: 'milestone', milestone: 'inspection_failed' });
    expect(late.summaries.find((x) => x.startMs === T)).toMatchObject({
      revision: 2,
      inspectionsFailed: 1,
      runtimeMs: MIN, // the figures of time are unchanged
    });
    // Re-delivered: a duplicate, nothing new.
    const again = p.ingest(ev(s('M1a.BORE', 30_000, 13)));
    expect(again.summaries).toEqual([]);
    expect(again.duplicates).toBe(1);
  });

  it('a snapshot keeps the inspections: restore and continue gives the same summaries', () => {
    const samples = [s('M1a.STATE', 0, 1), s('M1a.BORE', 5_000, 12.2), s('M1a.HB', 30_000, true)];
    const a = new WindowedProcessor(plan);
    a.ingest(toEvents(plan, samples));
    const b = WindowedProcessor.restore(plan, JSON.parse(JSON.stringify(a.snapshot())));
    const tail = toEvents(plan, [s('M1a.HB', 5 * MIN, true)]);
    const fromA = a.ingest(tail).summaries;
    const fromB = b.ingest(tail).summaries;
    expect(fromB).toEqual(fromA);
    expect(fromA.find((x) => x.startMs === T)).toMatchObject({ inspectionsFailed: 1 });
  });

  it('a canonical counter named like an inspection count is rejected', async () => {
    const { validateCanonicalEvent } = await import('../../../src/core/mapping.js');
    const ev = toEvents(plan, [s('M1b.GOOD', 0, 5)])[0]!;
    const r = validateCanonicalEvent(plan, { ...ev, counter: '#inspection_passed', mode: 'delta', amount: 1 });
    expect(r).toMatchObject({ ok: false, reason: 'invalid-event' });
    expect((r as { detail: string }).detail).toContain("'#' are reserved");
  });
});
