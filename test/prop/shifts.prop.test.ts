import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import { WEEKDAYS } from '../../src/core/plan.js';
import type { ShiftCalendarSpec, ShiftDef, ShiftPattern, Weekday } from '../../src/core/plan.js';
import { createShiftCalendar } from '../../src/core/shifts.js';
import type { ShiftInstance } from '../../src/core/shifts.js';
import { createTimeZone } from '../../src/core/time-zone.js';
import type { TimeZone } from '../../src/core/time-zone.js';

const DAY = 86_400_000;
const M = 60_000;

// Northern and southern DST, 30-minute DST (Lord Howe), 45-minute offsets (Chatham), transitions at
// midnight (Santiago), a skipped calendar day (Apia, 2011-12-30), zones without DST.
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Santiago',
  'Pacific/Apia',
  'America/St_Johns',
  'Asia/Kolkata',
  'UTC',
] as const;

/** Instants near clock changes (and the Apia skip) plus anything from 1990 to 2040. */
const SPECIAL = [
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-04-04T16:00:00Z',
  '2026-10-03T15:30:00Z',
  '2026-04-05T03:00:00Z',
  '2026-09-06T04:00:00Z',
  '2011-12-30T10:00:00Z',
].map(Date.parse);
const instant = fc.oneof(
  fc.tuple(fc.constantFrom(...SPECIAL), fc.integer({ min: -2 * DAY, max: 2 * DAY })).map(([t, d]) => t + d),
  fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
);

function wallOf(tz: TimeZone, t: number): number {
  return tz.utcToLocalMs(t);
}

describe('time zones', () => {
  it('round-trip UTC -> local -> UTC for every instant that is not the second occurrence of an overlap', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, (id, t) => {
        const tz = createTimeZone(id);
        const local = wallOf(tz, t);
        const back = tz.localToUtcMs(local);
        if (back !== t) {
          // Only allowed when t repeats an earlier wall-clock time: back is that earlier occurrence.
          expect(back).toBeLessThan(t);
          expect(wallOf(tz, back)).toBe(local);
          expect(tz.offsetAtMs(back)).toBeGreaterThan(tz.offsetAtMs(t));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('resolve every wall-clock time to itself, or forward by the gap when it does not exist', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, (id, t) => {
        const tz = createTimeZone(id);
        const local = wallOf(tz, t) + ((t % (37 * M)) - 18 * M); // wall times near real ones, gaps included
        const u = tz.localToUtcMs(local);
        const shown = wallOf(tz, u);
        if (shown !== local) {
          // Nonexistent: no instant shows this wall time, and the result is that far past the gap.
          const gap = tz.offsetAtMs(u) - tz.offsetAtMs(u - DAY);
          expect(gap).toBeGreaterThan(0);
          expect(shown - local).toBe(gap);
          for (const cand of [local - tz.offsetAtMs(u), local - tz.offsetAtMs(u - DAY)])
            expect(wallOf(tz, cand)).not.toBe(local);
        } else {
          // Existing: u is its first occurrence (no earlier instant shows the same wall time).
          for (const off of [tz.offsetAtMs(u - DAY), tz.offsetAtMs(u + DAY)]) {
            const other = local - off;
            if (other < u) expect(wallOf(tz, other)).not.toBe(local);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Shift calendars

const clock = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
/** Cut points (minutes of the day) that like to fall into gaps and overlaps. */
const cut = fc.oneof(
  fc.integer({ min: 0, max: 1439 }),
  fc.constantFrom(0, 30, 60, 90, 120, 135, 150, 165, 180, 1380, 1410),
);
const days = fc.subarray([...WEEKDAYS], { minLength: 1 });

/**
 * Valid calendars: one daily partition of the clock into shifts (the last one crosses midnight), each
 * shift on some weekdays; overrides pick shifts from the same partition, so nothing overlaps.
 */
const validSpec = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    cuts: fc.uniqueArray(cut, { minLength: 1, maxLength: 5 }),
    days: fc.array(days, { minLength: 5, maxLength: 5 }),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -20, max: 20 }), { maxLength: 4 }),
    overrides: fc.uniqueArray(
      fc.record({
        offset: fc.integer({ min: -20, max: 20 }),
        keep: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      }),
      {
        maxLength: 4,
        selector: (o) => o.offset,
      },
    ),
    anchor: instant,
    length: fc.integer({ min: 1, max: 42 * DAY }),
  })
  .map(({ zone, cuts, days: dayLists, holidayOffsets, overrides, anchor, length }) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    const defs: ShiftDef[] = sorted.map((start, i) => ({
      name: `s${i}`,
      start: clock(start),
      end: clock(sorted[(i + 1) % sorted.length] ?? 0),
    }));
    const shifts: ShiftPattern[] = defs.map((d, i) => ({ ...d, days: dayLists[i] ?? ['mon'] }));
    const tz = createTimeZone(zone);
    const anchorDay = Math.floor(tz.utcToLocalMs(anchor) / DAY);
    const date = (offset: number): string => new Date((anchorDay + offset) * DAY).toISOString().slice(0, 10);
    const overrideDays = new Set(overrides.map((o) => o.offset));
    const spec: ShiftCalendarSpec = {
      timeZone: zone,
      shifts,
      holidays: holidayOffsets.filter((o) => !overrideDays.has(o)).map((o) => ({ date: date(o) })),
      overrides: overrides.map((o) => ({ date: date(o.offset), shifts: defs.filter((_, i) => o.keep[i] === true) })),
    };
    return { spec, from: anchor, to: anchor + length };
  });

/**
 * The oracle: every scheduled shift of every local day around the range, resolved with the zone,
 * then one sweep over all of them in schedule order (the later of two overlapping instances starts
 * where the earlier ends; empty ones are dropped). Written without the calendar's per-day caching.
 */
function oracle(spec: ShiftCalendarSpec, from: number, to: number): { id: string; start: number; end: number }[] {
  const tz = createTimeZone(spec.timeZone);
  const firstDay = Math.floor(tz.utcToLocalMs(from) / DAY) - 6;
  const lastDay = Math.floor(tz.utcToLocalMs(to) / DAY) + 2;
  const toMin = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const out: { id: string; start: number; end: number }[] = [];
  let maxEnd = Number.NEGATIVE_INFINITY;
  for (let day = firstDay; day <= lastDay; day++) {
    const date = new Date(day * DAY).toISOString().slice(0, 10);
    const weekday: Weekday = WEEKDAYS[(new Date(day * DAY).getUTCDay() + 6) % 7] ?? 'mon';
    const override = spec.overrides.find((o) => o.date === date);
    const defs: readonly ShiftDef[] = override
      ? override.shifts
      : spec.holidays.some((h) => h.date === date)
        ? []
        : spec.shifts.filter((s) => s.days.includes(weekday));
    for (const def of [...defs].sort((a, b) => toMin(a.start) - toMin(b.start))) {
      const s = toMin(def.start);
      const e = toMin(def.end) <= s ? toMin(def.end) + 1440 : toMin(def.end);
      const rawStart = tz.localToUtcMs(day * DAY + s * M);
      const end = tz.localToUtcMs(day * DAY + e * M);
      const start = Math.max(rawStart, maxEnd);
      maxEnd = Math.max(maxEnd, end);
      if (end > start && start < to && end > from) out.push({ id: `${date}/${def.name}`, start, end });
    }
  }
  return out;
}

function checkInstances(list: readonly ShiftInstance[], from: number, to: number): void {
  for (const inst of list) {
    expect(inst.startMs).toBeLessThan(inst.endMs);
    expect(inst.startMs < to && inst.endMs > from).toBe(true);
  }
  for (let i = 1; i < list.length; i++) expect(list[i]?.startMs ?? 0).toBeGreaterThanOrEqual(list[i - 1]?.endMs ?? 0);
}

describe('shift calendars', () => {
  it('give exactly the oracle instances: ascending, never overlapping, whatever the zone and dates', () => {
    fc.assert(
      fc.property(validSpec, ({ spec, from, to }) => {
        const cal = createShiftCalendar(spec);
        const list = cal.instancesOverlapping(from, to);
        checkInstances(list, from, to);
        expect(list.map((i) => ({ id: i.shiftId, start: i.startMs, end: i.endMs }))).toEqual(oracle(spec, from, to));
        const tz = createTimeZone(spec.timeZone);
        for (const inst of list) {
          expect(inst.startLocal).toBe(tz.formatLocal(inst.startMs));
          expect(inst.shiftId).toBe(`${inst.localDate}/${inst.name}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('put each instant in at most one instance, the one instanceAt finds; split queries agree', () => {
    fc.assert(
      fc.property(
        validSpec,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        ({ spec, from, to }, fractions) => {
          const cal = createShiftCalendar(spec);
          const list = cal.instancesOverlapping(from, to);
          for (const f of fractions) {
            const t = Math.min(to - 1, from + Math.floor(f * (to - from)));
            const containing = list.filter((i) => i.startMs <= t && t < i.endMs);
            expect(containing.length).toBeLessThanOrEqual(1);
            expect(cal.instanceAt(t)).toBe(containing[0]);
          }
          // The same instances from a fresh calendar queried in two halves (other cache order).
          const fresh = createShiftCalendar(spec);
          const mid = from + Math.floor((fractions[0] ?? 0.5) * (to - from));
          const halves = [...fresh.instancesOverlapping(mid, to), ...fresh.instancesOverlapping(from, mid)];
          const ids = [...new Set(halves.map((i) => i.shiftId))];
          expect(ids.sort()).toEqual(list.map((i) => i.shiftId).sort());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('either reject an arbitrary spec with a TopologyError or give instances that never overlap', () => {
    const anyShift = fc.record({
      name: fc.constantFrom('a', 'b', 'c', 'd'),
      start: fc.integer({ min: 0, max: 1439 }).map(clock),
      end: fc.integer({ min: 0, max: 1440 }).map(clock),
      days,
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(anyShift, { maxLength: 4 }),
        instant,
        fc.integer({ min: 1, max: 21 * DAY }),
        (zone, shifts, from, length) => {
          let cal;
          try {
            cal = createShiftCalendar({ timeZone: zone, shifts, holidays: [], overrides: [] });
          } catch (err) {
            expect(err).toBeInstanceOf(TopologyError);
            return;
          }
          const list = cal.instancesOverlapping(from, from + length);
          checkInstances(list, from, from + length);
          expect(new Set(list.map((i) => i.shiftId)).size).toBe(list.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
