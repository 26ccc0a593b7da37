import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { WindowedProcessor } from '../../../src/core/processor.js';
import type { RawSample, WindowSummary } from '../../../src/core/types.js';
import { HOUR, MIN, testPlan } from '../../support/plan.js';
import { runCore, toEvents } from '../../support/run-core.js';

const T = Date.UTC(2026, 5, 1, 10, 0, 0); // Monday 2026-06-01 12:00 Berlin
const s = (tag: string, offsetMs: number, value: number | string | boolean): RawSample => ({
  tag,
  tsMs: T + offsetMs,
  value,
  quality: 'good',
});
const oneMinute = testPlan({ windows: [{ kind: 'tumbling', name: '1m', sizeMs: MIN }], silenceTimeoutMs: 2 * MIN });
const find = (out: readonly WindowSummary[], startOffsetMs: number, revision = 1): WindowSummary => {
  const hit = out.find((x) => x.startMs === T + startOffsetMs && x.revision === revision);
  if (hit === undefined) throw new Error(`no summary at +${startOffsetMs} ms revision ${revision}`);
  return hit;
};

describe('state intervals and silence', () => {
  it('splits a state exactly at window boundaries and counts downtime per reason', () => {
    const out = runCore(oneMinute, [
      s('M1a.STATE', 0, 1),
      s('M1a.STATE', 45_000, 6), // down/jam
      s('M1a.STATE', 75_500, 1),
      s('M1a.HB', 100_000, true),
      s('M1a.HB', 170_000, true),
      s('M1a.HB', 240_000, true),
    ]).summaries;
    const w0 = find(out, 0);
    expect(w0.timeByCategory.running).toBe(45_000);
    expect(w0.downtimeByReason).toEqual({ jam: 15_000 });
    const w1 = find(out, MIN);
    expect(w1.timeByCategory.down).toBe(15_500);
    expect(w1.timeByCategory.running).toBe(44_500);
    expect(w1.intervals).toEqual([
      { startMs: T + MIN, endMs: T + 75_500, category: 'down', reason: 'jam' },
      { startMs: T + 75_500, endMs: T + 2 * MIN, category: 'running', reason: null },
    ]);
    expect(w0.stateChanges).toBe(2); // unknown -> running at T, running -> down
    expect(w1.stateChanges).toBe(1);
  });

  it(
    'a gap shorter than the silence timeout keeps the state; ' + 'a longer one becomes unknown at lastSeen + timeout',
    () => {
      const out = runCore(oneMinute, [
        s('M1a.STATE', 0, 1),
        s('M1a.GOOD', 100_000, 10), // refreshes lastSeen; 100 s < 120 s timeout
        // silence from 100 s: unknown from 220 s until the next sample at 290 s
        s('M1a.HB', 290_000, true),
        s('M1a.HB', 400_000, true),
      ]).summaries;
      expect(find(out, MIN).timeByCategory.running).toBe(MIN);
      const w3 = find(out, 3 * MIN);
      expect(w3.timeByCategory.running).toBe(40_000);
      expect(w3.timeByCategory.unknown).toBe(20_000);
      const w4 = find(out, 4 * MIN);
      expect(w4.timeByCategory.unknown).toBe(50_000); // 240..290 s
      expect(w4.timeByCategory.running).toBe(10_000); // the heartbeat resumes the last state
    },
  );

  it('time before the first sample is unknown, and a down state without reason is unspecified', () => {
    const out = runCore(oneMinute, [s('M1a.STATE', 20_000, 5), s('M1a.STATE', 130_000, 1)]).summaries;
    const w0 = find(out, 0);
    expect(w0.timeByCategory.unknown).toBe(20_000);
    expect(w0.downtimeByReason).toEqual({ unspecified: 40_000 });
  });

  it('a reason tag names the reason of a down state whose value carries none', () => {
    const out = runCore(oneMinute, [
      s('M1a.STATE', 0, 5),
      s('M1a.REASON', 10_000, 'no-material'),
      s('M1a.REASON', 30_000, 0), // 0 clears the reason
      s('M1a.STATE', 130_000, 1),
    ]).summaries;
    expect(find(out, 0).downtimeByReason).toEqual({ unspecified: 40_000, 'no-material': 20_000 });
  });
});

describe('counters', () => {
  it('total counters: baseline, rollover at 65536, reset without rolloverAt; delta counters add', () => {
    const out = runCore(oneMinute, [
      s('M1a.STATE', 0, 1),
      s('M1a.GOOD', 1_000, 65_530), // baseline
      s('M1a.GOOD', 30_000, 65_535), // +5
      s('M1a.GOOD', 70_000, 4), // rollover: 65536 - 65535 + 4 = +5
      s('M1b.GOOD', 5_000, 100), // baseline
      s('M1b.GOOD', 80_000, 130), // +30
      s('M1b.GOOD', 90_000, 7), // reset: +7
      s('M1a.SCRAP', 100_000, 2),
      s('M1b.STROKES', 110_000, 3),
      s('M1a.HB', 200_000, true),
    ]).summaries;
    expect(find(out, 0).goodCount).toBe(5);
    const w1 = find(out, MIN);
    expect(w1.goodCount).toBe(5 + 30 + 7);
    expect(w1.scrapCount).toBe(2);
    expect(w1.counts).toEqual({ strokes: 3 });
  });

  it('an exact duplicate is applied once', () => {
    const base = [s('M1a.STATE', 0, 1), s('M1a.GOOD', 1_000, 10), s('M1a.GOOD', 2_000, 15), s('M1a.HB', 200_000, true)];
    const dup = [base[0]!, base[1]!, base[2]!, base[2]!, base[3]!];
    expect(runCore(oneMinute, dup).summaries).toEqual(runCore(oneMinute, base).summaries);
  });
});

describe('event time', () => {
  it('out-of-order samples within the bound give the in-order result', () => {
    const inOrder = [
      s('M1a.STATE', 0, 1),
      s('M1a.STATE', 20_000, 5),
      s('M1a.STATE', 40_000, 1),
      s('M1a.HB', 200_000, true),
    ];
    const shuffled = [inOrder[0]!, inOrder[2]!, inOrder[1]!, inOrder[3]!]; // 20 s behind: bound is 30 s
    const a = runCore(oneMinute, inOrder);
    const b = runCore(oneMinute, shuffled);
    expect(b.late).toEqual([]);
    expect(b.summaries).toEqual(a.summaries);
  });

  it('closes a window when the watermark passes end + grace, not before', () => {
    const p = new WindowedProcessor(oneMinute);
    const ev = toEvents(oneMinute, [s('M1a.STATE', 0, 1), s('M1a.HB', 99_999, true), s('M1a.HB', 100_000, true)]);
    expect(p.ingest(ev.slice(0, 2)).summaries).toEqual([]); // watermark 69_999 < 60_000 + 10_000
    expect(p.ingest(ev.slice(2)).summaries.map((x) => x.startMs)).toEqual([T]);
  });

  it('a late sample gives revision 2 recomputed from the full history; past the horizon it is only reported', () => {
    const plan = testPlan({
      windows: [{ kind: 'tumbling', name: '1m', sizeMs: MIN }],
      eventTime: { amendmentHorizonMs: 10 * MIN },
    });
    const p = new WindowedProcessor(plan);
    const ev = (x: RawSample) => toEvents(plan, [x]);
    p.ingest(ev(s('M1a.STATE', 0, 1)));
    const closed = p.ingest(ev(s('M1a.HB', 5 * MIN, true))).summaries;
    expect(closed.filter((x) => x.startMs === T).map((x) => x.runtimeMs)).toEqual([MIN]);
    const late = p.ingest(ev(s('M1a.STATE', 30_000, 5)));
    expect(late.late).toHaveLength(1);
    expect(late.late[0]).toMatchObject({
      amended: true,
      tsMs: T + 30_000,
      windows: [{ windowName: '1m', windowId: '2026-06-01T10:00:00.000Z', startMs: T, endMs: T + MIN }],
    });
    // The down state holds until the next state sample: every closed window from 30 s on changes.
    const w0 = late.summaries.find((x) => x.startMs === T)!;
    expect(w0).toMatchObject({ revision: 2, runtimeMs: 30_000, downtimeMs: 30_000, lateSamples: 1 });
    expect(late.summaries.find((x) => x.startMs === T + MIN)).toMatchObject({ revision: 2, downtimeMs: MIN });
    // A second late sample in the same window gives revision 3.
    expect(p.ingest(ev(s('M1a.STATE', 45_000, 1))).summaries.find((x) => x.startMs === T)).toMatchObject({
      revision: 3,
      downtimeMs: 15_000,
    });
    // Move the watermark 20 minutes on: a sample from the first minute is now past the horizon.
    p.ingest(ev(s('M1a.HB', 25 * MIN, true)));
    const tooLate = p.ingest(ev(s('M1a.SCRAP', 50_000, 4)));
    expect(tooLate.summaries).toEqual([]);
    expect(tooLate.late[0]).toMatchObject({ amended: false, latenessMs: 25 * MIN - 30_000 - 50_000 });
  });

  it('idle partitions advance the watermark with the wall clock, minus the bound', () => {
    const p = new WindowedProcessor(oneMinute);
    p.ingest(toEvents(oneMinute, [s('M1a.STATE', 0, 1)]), T + 1_000);
    expect(p.tick(T + 30_000).summaries).toEqual([]); // idle timeout 60 s not reached
    const out = p.tick(T + 5 * MIN);
    // watermark = now - 30 s = 4.5 min: windows ending at 1, 2, 3 and 4 min (+10 s grace) close.
    expect(out.summaries.map((x) => (x.startMs - T) / MIN)).toEqual([0, 1, 2, 3]);
    expect(out.summaries[1]!.timeByCategory).toMatchObject({ running: MIN, unknown: 0 });
    expect(out.summaries[2]!.timeByCategory).toMatchObject({ running: 0, unknown: MIN }); // silent for 2 min
  });
});

describe('shift summaries', () => {
  const shifts = testPlan({ windows: [{ kind: 'shift', name: 'shift' }], silenceTimeoutMs: 3 * HOUR });
  const night = (dateUtcMs: number, hours: number) => {
    const samples: RawSample[] = [];
    for (let t = 0; t <= hours * HOUR; t += HOUR)
      samples.push({ tag: 'M1a.STATE', tsMs: dateUtcMs + t, value: 1, quality: 'good' });
    return samples;
  };

  it('the night shift on the spring-forward night lasts 7 hours, on the fall-back night 9 hours', () => {
    // Berlin: 2026-03-28 22:00 CET = 21:00Z; 2026-10-24 22:00 CEST = 20:00Z
    const spring = runCore(shifts, night(Date.UTC(2026, 2, 28, 18), 20)).summaries.find(
      (x) => x.windowId === '2026-03-28/night',
    )!;
    expect(spring.lengthMs).toBe(7 * HOUR);
    expect(spring.startLocal).toBe('2026-03-28T22:00:00.000+01:00');
    expect(spring.endLocal).toBe('2026-03-29T06:00:00.000+02:00');
    expect(spring.runtimeMs).toBe(7 * HOUR);
    const autumn = runCore(shifts, night(Date.UTC(2026, 9, 24, 18), 20)).summaries.find(
      (x) => x.windowId === '2026-10-24/night',
    )!;
    expect(autumn.lengthMs).toBe(9 * HOUR);
    expect(autumn.runtimeMs + autumn.timeByCategory.unknown).toBe(9 * HOUR);
  });

  it('a holiday has no shifts and an override replaces the pattern', () => {
    const plan = testPlan({
      windows: [{ kind: 'shift', name: 'shift' }],
      silenceTimeoutMs: 3 * HOUR,
      calendar: {
        holidays: [{ date: '2026-06-02' }],
        overrides: [{ date: '2026-06-03', shifts: [{ name: 'short', start: '08:00', end: '12:00' }] }],
      },
    });
    const ids = runCore(plan, night(Date.UTC(2026, 5, 1, 0), 96)).summaries.map((x) => x.windowId);
    expect(ids.filter((id) => id.startsWith('2026-06-02'))).toEqual([]);
    expect(ids.filter((id) => id.startsWith('2026-06-03'))).toEqual(['2026-06-03/short']);
    expect(ids).toContain('2026-06-01/night');
  });

  it('OEE components follow their formulas; a zero denominator gives null, not zero', () => {
    const plan = testPlan({ windows: [{ kind: 'tumbling', name: '1m', sizeMs: MIN }], idealCycleTimeMs: 1_000 });
    const out = runCore(plan, [
      s('M1a.STATE', 0, 1),
      s('M1a.STATE', 30_000, 4), // planned stop: 30 s
      s('M1a.GOOD', 0, 0),
      s('M1a.GOOD', 20_000, 18),
      s('M1a.SCRAP', 25_000, 2),
      s('M1a.HB', 61_000, true),
      s('M1a.HB', 200_000, true),
    ]).summaries;
    const w0 = find(out, 0);
    expect(w0.plannedMs).toBe(30_000);
    expect(w0.availability).toBe(1); // 30 s running / 30 s planned
    expect(w0.performance).toBeCloseTo((1_000 * 20) / 30_000, 12);
    expect(w0.quality).toBe(0.9);
    expect(w0.oee).toBeCloseTo(1 * (20_000 / 30_000) * 0.9, 12);
    const w1 = find(out, MIN);
    expect(w1.availability).toBeNull(); // planned time 0
    expect(w1.quality).toBeNull();
    expect(w1.oee).toBeNull();
  });
});

describe('tag mapping verdicts', () => {
  const plan = testPlan();
  it.each([
    [{ tag: 'NOPE', tsMs: T, value: 1, quality: 'good' }, 'unknown-tag'],
    [{ tag: 'M1a.STATE', tsMs: T, value: 1, quality: 'bad' }, 'bad-quality'],
    [{ tag: 'M1a.STATE', tsMs: T, value: 99, quality: 'good' }, 'unmapped-state-value'],
    [{ tag: 'M1a.GOOD', tsMs: T, value: 'lots', quality: 'good' }, 'non-numeric-counter'],
    [{ tag: 'M1a.GOOD', tsMs: T, value: 70_000, quality: 'good' }, 'counter-out-of-range'],
    [{ tag: 'M1a.SCRAP', tsMs: T, value: -1, quality: 'good' }, 'negative-counter'],
    [{ tag: 'M1a.STATE', tsMs: Date.UTC(2150, 0, 1), value: 1, quality: 'good' }, 'ts-out-of-range'],
  ] as const)('%o is rejected as %s', (sample, reason) => {
    const v = mapSample(plan, sample);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toBe(reason);
  });

  it('a live run rejects samples years away from the wall clock, a replay only past the absolute bounds', () => {
    const old = { tag: 'M1a.STATE', tsMs: Date.UTC(2023, 0, 1), value: 1, quality: 'good' } as const;
    const v = mapSample(plan, old, { nowMs: T });
    expect(v.ok ? 'ok' : v.reason).toBe('ts-out-of-range');
    if (!v.ok) expect(v.detail).toContain('behind the wall clock');
    expect(mapSample(plan, old).ok).toBe(true);
  });
});
