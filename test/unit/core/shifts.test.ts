import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../src/errors.js';
import { WEEKDAYS } from '../../../src/core/plan.js';
import type { ShiftCalendarSpec, ShiftDef, ShiftPattern } from '../../../src/core/plan.js';
import { createShiftCalendar } from '../../../src/core/shifts.js';
import type { ShiftCalendar, ShiftInstance } from '../../../src/core/shifts.js';

const H = 3_600_000;
const utc = (iso: string): number => Date.parse(iso);
const ALL = WEEKDAYS;

function threeShifts(timeZone: string, extra: Partial<ShiftCalendarSpec> = {}): ShiftCalendarSpec {
  return {
    timeZone,
    shifts: [
      { name: 'early', start: '06:00', end: '14:00', days: ALL },
      { name: 'late', start: '14:00', end: '22:00', days: ALL },
      { name: 'night', start: '22:00', end: '06:00', days: ALL },
    ],
    holidays: [],
    overrides: [],
    ...extra,
  };
}

function calendar(
  timeZone: string,
  shifts: readonly ShiftPattern[],
  extra: Partial<ShiftCalendarSpec> = {},
): ShiftCalendar {
  return createShiftCalendar({ timeZone, shifts, holidays: [], overrides: [], ...extra });
}

/** The instance with this id, found through a query around its scheduled date. */
function byId(cal: ShiftCalendar, shiftId: string): ShiftInstance | undefined {
  const date = shiftId.slice(0, 10);
  const from = utc(`${date}T00:00:00Z`) - 2 * 24 * H;
  return cal.instancesOverlapping(from, from + 5 * 24 * H).find((i) => i.shiftId === shiftId);
}

describe('shift instances on clock-change nights', () => {
  type Row = [zone: string, shiftId: string, hours: number, startLocal: string, endLocal: string];
  const rows: Row[] = [
    ['Europe/Berlin', '2026-03-27/night', 8, '2026-03-27T22:00:00.000+01:00', '2026-03-28T06:00:00.000+01:00'],
    ['Europe/Berlin', '2026-03-28/night', 7, '2026-03-28T22:00:00.000+01:00', '2026-03-29T06:00:00.000+02:00'],
    ['Europe/Berlin', '2026-03-29/early', 8, '2026-03-29T06:00:00.000+02:00', '2026-03-29T14:00:00.000+02:00'],
    ['Europe/Berlin', '2026-10-24/night', 9, '2026-10-24T22:00:00.000+02:00', '2026-10-25T06:00:00.000+01:00'],
    ['Europe/Berlin', '2026-10-25/night', 8, '2026-10-25T22:00:00.000+01:00', '2026-10-26T06:00:00.000+01:00'],
    ['America/New_York', '2026-03-07/night', 7, '2026-03-07T22:00:00.000-05:00', '2026-03-08T06:00:00.000-04:00'],
    ['America/New_York', '2026-10-31/night', 9, '2026-10-31T22:00:00.000-04:00', '2026-11-01T06:00:00.000-05:00'],
    ['America/New_York', '2026-11-01/late', 8, '2026-11-01T14:00:00.000-05:00', '2026-11-01T22:00:00.000-05:00'],
    // Southern hemisphere: Sydney goes back on 2026-04-05 and forward on 2026-10-04.
    ['Australia/Sydney', '2026-04-04/night', 9, '2026-04-04T22:00:00.000+11:00', '2026-04-05T06:00:00.000+10:00'],
    ['Australia/Sydney', '2026-10-03/night', 7, '2026-10-03T22:00:00.000+10:00', '2026-10-04T06:00:00.000+11:00'],
    // Lord Howe Island changes by 30 minutes.
    ['Australia/Lord_Howe', '2026-04-04/night', 8.5, '2026-04-04T22:00:00.000+11:00', '2026-04-05T06:00:00.000+10:30'],
    ['Australia/Lord_Howe', '2026-10-03/night', 7.5, '2026-10-03T22:00:00.000+10:30', '2026-10-04T06:00:00.000+11:00'],
  ];
  it.each(rows)('%s %s lasts %f h', (zone, shiftId, hours, startLocal, endLocal) => {
    const inst = byId(createShiftCalendar(threeShifts(zone)), shiftId);
    expect(inst).toBeDefined();
    expect(inst?.endMs).toBe((inst?.startMs ?? 0) + hours * H);
    expect(inst?.startLocal).toBe(startLocal);
    expect(inst?.endLocal).toBe(endLocal);
    expect(inst?.startMs).toBe(utc(startLocal));
    expect(inst?.endMs).toBe(utc(endLocal));
  });

  type LocalRow = [zone: string, def: ShiftDef, shiftId: string, startLocal: string, endLocal: string, hours: number];
  const localRows: LocalRow[] = [
    // A start inside the spring gap moves forward by the gap.
    [
      'Europe/Berlin',
      { name: 'gap', start: '02:30', end: '10:00' },
      '2026-03-29/gap',
      '2026-03-29T03:30:00.000+02:00',
      '2026-03-29T10:00:00.000+02:00',
      6.5,
    ],
    [
      'America/New_York',
      { name: 'gap', start: '02:30', end: '10:00' },
      '2026-03-08/gap',
      '2026-03-08T03:30:00.000-04:00',
      '2026-03-08T10:00:00.000-04:00',
      6.5,
    ],
    [
      'Australia/Lord_Howe',
      { name: 'gap', start: '02:15', end: '10:00' },
      '2026-10-04/gap',
      '2026-10-04T02:45:00.000+11:00',
      '2026-10-04T10:00:00.000+11:00',
      7.25,
    ],
    // An ambiguous start means its first occurrence.
    [
      'America/New_York',
      { name: 'amb', start: '01:30', end: '09:30' },
      '2026-11-01/amb',
      '2026-11-01T01:30:00.000-04:00',
      '2026-11-01T09:30:00.000-05:00',
      9,
    ],
    [
      'Europe/Berlin',
      { name: 'amb', start: '02:30', end: '10:30' },
      '2026-10-25/amb',
      '2026-10-25T02:30:00.000+02:00',
      '2026-10-25T10:30:00.000+01:00',
      9,
    ],
    // An ambiguous end also means its first occurrence: 22:00 -> 02:30 is 4.5 h, not 5.5 h.
    [
      'Europe/Berlin',
      { name: 'n', start: '22:00', end: '02:30' },
      '2026-10-24/n',
      '2026-10-24T22:00:00.000+02:00',
      '2026-10-25T02:30:00.000+02:00',
      4.5,
    ],
    // A nonexistent end moves forward too: 22:00 -> 02:30 on the spring night ends at 03:30 CEST.
    [
      'Europe/Berlin',
      { name: 'n', start: '22:00', end: '02:30' },
      '2026-03-28/n',
      '2026-03-28T22:00:00.000+01:00',
      '2026-03-29T03:30:00.000+02:00',
      4.5,
    ],
    // 24:00 is the end of the day: 00:00 -> 24:00 on the spring day is 23 h.
    [
      'Europe/Berlin',
      { name: 'day', start: '00:00', end: '24:00' },
      '2026-03-29/day',
      '2026-03-29T00:00:00.000+01:00',
      '2026-03-30T00:00:00.000+02:00',
      23,
    ],
    // end == start: a 24 h shift crossing midnight; 25 h over the autumn night.
    [
      'Europe/Berlin',
      { name: 'full', start: '06:00', end: '06:00' },
      '2026-10-24/full',
      '2026-10-24T06:00:00.000+02:00',
      '2026-10-25T06:00:00.000+01:00',
      25,
    ],
    [
      'Europe/Berlin',
      { name: 's', start: '06:00:30', end: '14:00:15' },
      '2026-06-01/s',
      '2026-06-01T06:00:30.000+02:00',
      '2026-06-01T14:00:15.000+02:00',
      8 - 15 / 3600,
    ],
  ];
  it.each(localRows)('%s %j -> %s', (zone, def, shiftId, startLocal, endLocal, hours) => {
    const inst = byId(calendar(zone, [{ ...def, days: ALL }]), shiftId);
    expect(inst?.startLocal).toBe(startLocal);
    expect(inst?.endLocal).toBe(endLocal);
    expect(inst?.startMs).toBe(utc(startLocal));
    expect(inst?.endMs).toBe(utc(endLocal));
    expect(Math.round((inst?.endMs ?? 0) - (inst?.startMs ?? 0))).toBe(Math.round(hours * H));
  });
});

describe('shift calendar lookups', () => {
  const berlin = createShiftCalendar(
    threeShifts('Europe/Berlin', {
      holidays: [{ date: '2026-05-01', name: 'Labour Day' }],
      overrides: [
        { date: '2026-12-24', shifts: [{ name: 'short', start: '06:00', end: '12:00' }] },
        { date: '2026-12-31', shifts: [] },
      ],
    }),
  );

  it('puts an instant of an overnight shift in that shift, before and after midnight', () => {
    expect(berlin.instanceAt(utc('2026-06-10T21:00:00Z'))?.shiftId).toBe('2026-06-10/night'); // 23:00 CEST
    expect(berlin.instanceAt(utc('2026-06-11T02:00:00Z'))?.shiftId).toBe('2026-06-10/night'); // 04:00 CEST
    expect(berlin.instanceAt(utc('2026-06-11T03:59:59.999Z'))?.shiftId).toBe('2026-06-10/night');
    expect(berlin.instanceAt(utc('2026-06-11T04:00:00Z'))?.shiftId).toBe('2026-06-11/early');
  });

  it('starts no shift on a holiday, but lets the night shift of the day before run to its end', () => {
    // 2026-05-01 is a holiday; Berlin is on CEST (+02:00).
    const ids = berlin
      .instancesOverlapping(utc('2026-04-30T22:00:00Z'), utc('2026-05-01T22:00:00Z'))
      .map((i) => i.shiftId);
    expect(ids).toEqual(['2026-04-30/night']);
    expect(berlin.instanceAt(utc('2026-05-01T03:59:59.999Z'))?.shiftId).toBe('2026-04-30/night');
    expect(berlin.instanceAt(utc('2026-05-01T04:00:00Z'))).toBeUndefined();
    expect(berlin.instanceAt(utc('2026-05-01T21:00:00Z'))).toBeUndefined(); // 23:00 on the holiday
    expect(berlin.instanceAt(utc('2026-05-02T03:59:59.999Z'))).toBeUndefined();
    expect(berlin.instanceAt(utc('2026-05-02T04:00:00Z'))?.shiftId).toBe('2026-05-02/early');
  });

  it('replaces the pattern on an override date; an empty override has no shifts', () => {
    const dec24 = berlin.instancesOverlapping(utc('2026-12-23T23:00:00Z'), utc('2026-12-24T23:00:00Z'));
    expect(dec24.map((i) => [i.shiftId, i.startLocal, i.endLocal])).toEqual([
      ['2026-12-23/night', '2026-12-23T22:00:00.000+01:00', '2026-12-24T06:00:00.000+01:00'],
      ['2026-12-24/short', '2026-12-24T06:00:00.000+01:00', '2026-12-24T12:00:00.000+01:00'],
    ]);
    const dec31 = berlin
      .instancesOverlapping(utc('2026-12-30T23:00:00Z'), utc('2027-01-01T23:00:00Z'))
      .map((i) => i.shiftId);
    expect(dec31).toEqual(['2026-12-30/night', '2027-01-01/early', '2027-01-01/late', '2027-01-01/night']);
  });

  it('runs a pattern only on its weekdays', () => {
    const cal = calendar('America/New_York', [
      { name: 'day', start: '08:00', end: '16:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    ]);
    // 2026-03-02 is a Monday.
    const ids = cal
      .instancesOverlapping(utc('2026-03-02T05:00:00Z'), utc('2026-03-16T04:00:00Z'))
      .map((i) => i.shiftId);
    expect(ids).toEqual(['02', '03', '04', '05', '06', '09', '10', '11', '12', '13'].map((d) => `2026-03-${d}/day`));
  });

  it('returns instances in start order that tile a three-shift year exactly, across both clock changes', () => {
    const from = utc('2025-12-31T23:00:00Z'); // 2026-01-01 00:00 CET
    const to = utc('2026-12-31T23:00:00Z');
    const all = createShiftCalendar(threeShifts('Europe/Berlin')).instancesOverlapping(from, to);
    expect(all).toHaveLength(365 * 3 + 1); // the first is 2025-12-31/night
    expect(all[0]?.shiftId).toBe('2025-12-31/night');
    for (let i = 1; i < all.length; i++) expect(all[i]?.startMs).toBe(all[i - 1]?.endMs);
    const inRange = all.reduce((sum, inst) => sum + Math.min(inst.endMs, to) - Math.max(inst.startMs, from), 0);
    expect(inRange).toBe(to - from);
    // The same instances whether asked for in one range or week by week (the per-day cache).
    const cal2 = createShiftCalendar(threeShifts('Europe/Berlin'));
    const weekly: string[] = [];
    for (let t = from; t < to; t += 7 * 24 * H) {
      for (const inst of cal2.instancesOverlapping(t, Math.min(t + 7 * 24 * H, to))) {
        if (weekly[weekly.length - 1] !== inst.shiftId) weekly.push(inst.shiftId);
      }
    }
    expect(weekly).toEqual(all.map((i) => i.shiftId));
  });

  it(
    'survives a skipped calendar day (Pacific/Apia jumped ' +
      'from 2011-12-29 to 2011-12-31): instances still tile time',
    () => {
      const apia = createShiftCalendar(threeShifts('Pacific/Apia'));
      const from = utc('2011-12-28T10:00:00Z'); // 2011-12-28 00:00 -10:00
      const to = utc('2012-01-01T10:00:00Z'); // 2012-01-02 00:00 +14:00
      const list = apia.instancesOverlapping(from, to);
      for (let i = 1; i < list.length; i++) expect(list[i]?.startMs).toBe(list[i - 1]?.endMs);
      expect(list.reduce((sum, inst) => sum + Math.min(inst.endMs, to) - Math.max(inst.startMs, from), 0)).toBe(
        to - from,
      );
      // 22:00 on the 29th to 06:00 on the 31st: 8 real hours. The 30th's times move forward by the
      // 24 h gap onto the 31st and keep their scheduled date in the id.
      expect(list.map((i) => [i.shiftId, i.startLocal, (i.endMs - i.startMs) / H]).slice(6, 10)).toEqual([
        ['2011-12-29/night', '2011-12-29T22:00:00.000-10:00', 8],
        ['2011-12-30/early', '2011-12-31T06:00:00.000+14:00', 8],
        ['2011-12-30/late', '2011-12-31T14:00:00.000+14:00', 8],
        ['2011-12-31/night', '2011-12-31T22:00:00.000+14:00', 8],
      ]);
    },
  );

  it('returns nothing for an empty or inverted range', () => {
    expect(berlin.instancesOverlapping(utc('2026-06-01T00:00:00Z'), utc('2026-06-01T00:00:00Z'))).toEqual([]);
    expect(berlin.instancesOverlapping(utc('2026-06-02T00:00:00Z'), utc('2026-06-01T00:00:00Z'))).toEqual([]);
  });

  it('keeps instances apart when a local end inside the spring gap meets a later start', () => {
    // Locally 22:00-02:30 and 03:00-06:00 do not touch; on 2026-03-29 02:30 resolves to 03:30 CEST,
    // after 03:00 CEST: the second shift then starts where the first ends.
    const cal = calendar('Europe/Berlin', [
      { name: 'a', start: '22:00', end: '02:30', days: ['sat'] },
      { name: 'b', start: '03:00', end: '06:00', days: ['sun'] },
      { name: 'c', start: '02:40', end: '03:00', days: ['sun'] },
    ]);
    const spring = cal.instancesOverlapping(utc('2026-03-28T12:00:00Z'), utc('2026-03-29T12:00:00Z'));
    // c (02:40 -> 03:00) resolves to 03:40 -> 03:00 CEST: no time left, dropped.
    expect(spring.map((i) => [i.shiftId, i.startLocal, i.endLocal])).toEqual([
      ['2026-03-28/a', '2026-03-28T22:00:00.000+01:00', '2026-03-29T03:30:00.000+02:00'],
      ['2026-03-29/b', '2026-03-29T03:30:00.000+02:00', '2026-03-29T06:00:00.000+02:00'],
    ]);
    const normal = cal
      .instancesOverlapping(utc('2026-03-21T12:00:00Z'), utc('2026-03-22T12:00:00Z'))
      .map((i) => i.shiftId);
    expect(normal).toEqual(['2026-03-21/a', '2026-03-22/c', '2026-03-22/b']);
  });
});

describe('createShiftCalendar validation', () => {
  const base = threeShifts('Europe/Berlin');
  type Row = [what: string, spec: ShiftCalendarSpec, message: RegExp];
  const rows: Row[] = [
    [
      'an unknown zone',
      { ...base, timeZone: 'Mars/Olympus_Mons' },
      /timeZone: time zone "Mars\/Olympus_Mons": expected an IANA time zone id/,
    ],
    [
      'an hour past 24',
      { ...base, shifts: [{ name: 'x', start: '06:00', end: '25:00', days: ALL }] },
      /shifts\[0\]\.end: expected a local time HH:MM or HH:MM:SS from 00:00 to 24:00, found "25:00"/,
    ],
    [
      'a one-digit hour',
      { ...base, shifts: [{ name: 'x', start: '6:00', end: '14:00', days: ALL }] },
      /shifts\[0\]\.start: expected .* found "6:00"/,
    ],
    [
      '24:00 as a start',
      { ...base, shifts: [{ name: 'x', start: '24:00', end: '06:00', days: ALL }] },
      /shifts\[0\]\.start: expected a local time HH:MM or HH:MM:SS from 00:00 to 23:59:59, found "24:00"/,
    ],
    ['minutes past 59', { ...base, shifts: [{ name: 'x', start: '06:60', end: '14:00', days: ALL }] }, /found "06:60"/],
    [
      'an unknown weekday',
      { ...base, shifts: [{ name: 'x', start: '06:00', end: '14:00', days: ['mon', 'monday' as 'mon'] }] },
      /shifts\[0\]\.days: expected weekdays from mon, tue, .* found "monday"/,
    ],
    [
      'no weekdays',
      { ...base, shifts: [{ name: 'x', start: '06:00', end: '14:00', days: [] }] },
      /shifts\[0\]\.days: expected at least one weekday/,
    ],
    [
      'an empty name',
      { ...base, shifts: [{ name: '', start: '06:00', end: '14:00', days: ALL }] },
      /shifts\[0\]\.name: expected a non-empty shift name, found ""/,
    ],
    [
      'a bad holiday date',
      { ...base, holidays: [{ date: '2026-02-30' }] },
      /holidays\[0\]\.date: expected a local date YYYY-MM-DD, found "2026-02-30"/,
    ],
    [
      'a bad override date',
      { ...base, overrides: [{ date: '2026/12/24', shifts: [] }] },
      /overrides\[0\]\.date: expected a local date YYYY-MM-DD, found "2026\/12\/24"/,
    ],
    [
      'a date twice in overrides',
      {
        ...base,
        overrides: [
          { date: '2026-12-24', shifts: [] },
          { date: '2026-12-24', shifts: [] },
        ],
      },
      /overrides\[1\]\.date: expected one override per date, found 2026-12-24 again/,
    ],
    [
      'a holiday that is also an override',
      { ...base, holidays: [{ date: '2026-12-24' }], overrides: [{ date: '2026-12-24', shifts: [] }] },
      /overrides\[0\]\.date: expected a date that is not also a holiday.*found 2026-12-24 in both/,
    ],
    [
      'a duplicate name on a day',
      {
        ...base,
        shifts: [
          { name: 'x', start: '06:00', end: '10:00', days: ['mon'] },
          { name: 'x', start: '12:00', end: '14:00', days: ['tue', 'mon'] },
        ],
      },
      /shifts on mon: expected unique shift names per day \(the shift id is <date>\/<name>\), found "x" twice/,
    ],
    [
      'a duplicate name in an override',
      {
        ...base,
        overrides: [
          {
            date: '2026-12-24',
            shifts: [
              { name: 'x', start: '06:00', end: '08:00' },
              { name: 'x', start: '09:00', end: '10:00' },
            ],
          },
        ],
      },
      /overrides\[0\] \(2026-12-24\): expected unique shift names per day.*found "x" twice/,
    ],
    [
      'overlapping shifts on a day',
      {
        ...base,
        shifts: [
          { name: 'early', start: '06:00', end: '14:00', days: ['wed'] },
          { name: 'late', start: '13:00', end: '22:00', days: ['wed'] },
        ],
      },
      /shifts must not overlap: expected shifts\[1\] \(late\) on wed 13:00 -> 22:00 to start at or after the end of shifts\[0\] \(early\) on wed 06:00 -> 14:00, found an overlap of 1h 00m/,
    ],
    [
      'a Sunday night shift running into Monday early',
      {
        ...base,
        shifts: [
          { name: 'night', start: '22:00', end: '07:00', days: ['sun'] },
          { name: 'early', start: '06:00', end: '14:00', days: ['mon'] },
        ],
      },
      /expected shifts\[1\] \(early\) on mon 06:00 -> 14:00 to start at or after the end of shifts\[0\] \(night\) on sun 22:00 -> 07:00 \(\+1d\), found an overlap of 1h 00m/,
    ],
    [
      'an override overlapping the night shift before it',
      { ...base, overrides: [{ date: '2026-12-24', shifts: [{ name: 'special', start: '04:00', end: '12:00' }] }] },
      /expected overrides\[0\]\.shifts\[0\] \(special\) on 2026-12-24 04:00 -> 12:00 to start at or after the end of shifts\[2\] \(night\) on 2026-12-23 22:00 -> 06:00 \(\+1d\), found an overlap of 2h 00m/,
    ],
    [
      'an override night running into the next day',
      { ...base, overrides: [{ date: '2026-12-24', shifts: [{ name: 'long', start: '20:00', end: '08:00' }] }] },
      /expected shifts\[0\] \(early\) on 2026-12-25 06:00 -> 14:00 to start at or after the end of overrides\[0\]\.shifts\[0\] \(long\) on 2026-12-24 20:00 -> 08:00 \(\+1d\), found an overlap of 2h 00m/,
    ],
  ];
  it.each(rows)('rejects %s', (_what, spec, message) => {
    let caught: unknown;
    try {
      createShiftCalendar(spec);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TopologyError);
    expect((caught as TopologyError).code).toBe('SHIFTSTREAM_TOPOLOGY_INVALID');
    expect((caught as TopologyError).message).toMatch(message);
  });

  it('lists every problem at once', () => {
    const spec: ShiftCalendarSpec = {
      timeZone: 'Nowhere/Land',
      shifts: [{ name: 'x', start: '6', end: '99:00', days: ALL }],
      holidays: [{ date: 'tomorrow' }],
      overrides: [],
    };
    expect(() => createShiftCalendar(spec)).toThrow(
      /calendar: 4 problems:\n- timeZone: .*\n- shifts\[0\]\.start: .*\n- shifts\[0\]\.end: .*\n- holidays\[0\]\.date: /,
    );
  });

  it('accepts shifts that only touch (end == next start) and a 24 h shift alone', () => {
    expect(() => createShiftCalendar(base)).not.toThrow();
    expect(() => calendar('UTC', [{ name: 'all', start: '06:00', end: '06:00', days: ALL }])).not.toThrow();
    expect(() =>
      calendar('UTC', [
        { name: 'all', start: '06:00', end: '06:01', days: ['mon', 'tue'] },
        { name: 'x', start: '06:01', end: '06:00', days: ['mon'] },
      ]),
    ).not.toThrow();
  });
});
