import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../src/errors.js';
import { WEEKDAYS } from '../../../src/core/plan.js';
import type { WindowSpec } from '../../../src/core/plan.js';
import { createShiftCalendar } from '../../../src/core/shifts.js';
import {
  hoppingWindowStartsMs,
  tumblingStartMs,
  windowRefsContaining,
  windowRefsOverlapping,
} from '../../../src/core/windows.js';

const M = 60_000;
const H = 3_600_000;
const utc = (iso: string): number => Date.parse(iso);

const tumbling15: WindowSpec = { kind: 'tumbling', name: '15m', sizeMs: 15 * M };
const hopping: WindowSpec = { kind: 'hopping', name: '1h-15m', sizeMs: H, advanceMs: 15 * M };
const shift: WindowSpec = { kind: 'shift', name: 'shift' };
const calendar = createShiftCalendar({
  timeZone: 'Europe/Berlin',
  shifts: [
    { name: 'early', start: '06:00', end: '14:00', days: WEEKDAYS },
    { name: 'late', start: '14:00', end: '22:00', days: WEEKDAYS },
    { name: 'night', start: '22:00', end: '06:00', days: WEEKDAYS },
  ],
  holidays: [],
  overrides: [],
});

describe('tumblingStartMs', () => {
  it.each([
    [0, 10, 0],
    [9, 10, 0],
    [10, 10, 10],
    [-1, 10, -10],
    [-10, 10, -10],
    [-11, 10, -20],
    [utc('2026-03-29T01:07:13.456Z'), 15 * M, utc('2026-03-29T01:00:00.000Z')],
    [utc('1969-12-31T23:59:59.999Z'), 60 * M, utc('1969-12-31T23:00:00.000Z')],
  ])('tumblingStartMs(%i, %i) = %i', (ts, size, start) => {
    expect(tumblingStartMs(ts, size)).toBe(start);
  });
});

describe('hoppingWindowStartsMs', () => {
  it.each([
    [5, 10, 5, [0, 5]],
    [0, 10, 5, [-5, 0]],
    [4, 10, 3, [-3, 0, 3]],
    [-1, 10, 5, [-10, -5]],
    [7, 10, 10, [0]],
    [7, 5, 10, []], // advance > size leaves gaps: 7 lies between [0, 5) and [10, 15)
    [12, 5, 10, [10]],
  ])('hoppingWindowStartsMs(%i, %i, %i) = %j', (ts, size, advance, starts) => {
    expect(hoppingWindowStartsMs(ts, size, advance)).toEqual(starts);
  });
});

describe('windowRefsContaining', () => {
  it('gives one tumbling window with an ISO window id', () => {
    expect(windowRefsContaining(tumbling15, utc('2026-03-28T22:14:59.999Z'))).toEqual([
      {
        kind: 'tumbling',
        name: '15m',
        windowId: '2026-03-28T22:00:00.000Z',
        startMs: utc('2026-03-28T22:00:00Z'),
        endMs: utc('2026-03-28T22:15:00Z'),
      },
    ]);
  });

  it('gives size/advance hopping windows, ascending', () => {
    const refs = windowRefsContaining(hopping, utc('2026-03-28T22:20:00Z'));
    expect(refs.map((r) => r.windowId)).toEqual([
      '2026-03-28T21:30:00.000Z',
      '2026-03-28T21:45:00.000Z',
      '2026-03-28T22:00:00.000Z',
      '2026-03-28T22:15:00.000Z',
    ]);
    expect(refs.every((r) => r.kind === 'hopping' && r.endMs - r.startMs === H)).toBe(true);
  });

  it('gives the shift containing the instant, named by the spec and the shift id', () => {
    expect(windowRefsContaining(shift, utc('2026-03-29T03:59:59.999Z'), calendar)).toEqual([
      {
        kind: 'shift',
        name: 'shift',
        windowId: '2026-03-28/night',
        startMs: utc('2026-03-28T21:00:00Z'),
        endMs: utc('2026-03-29T04:00:00Z'),
        shiftName: 'night',
      },
    ]);
  });

  it('gives no shift window for time outside every shift', () => {
    const daytime = createShiftCalendar({
      timeZone: 'UTC',
      shifts: [{ name: 'd', start: '08:00', end: '16:00', days: WEEKDAYS }],
      holidays: [],
      overrides: [],
    });
    expect(windowRefsContaining(shift, utc('2026-03-29T17:00:00Z'), daytime)).toEqual([]);
  });

  it('rejects a shift window without a calendar and a non-positive size', () => {
    expect(() => windowRefsContaining(shift, 0)).toThrow(
      /window "shift": expected a shift calendar for a shift window, found none/,
    );
    expect(() => windowRefsContaining({ kind: 'tumbling', name: 'bad', sizeMs: 0 }, 0)).toThrow(TopologyError);
    expect(() => windowRefsContaining({ kind: 'hopping', name: 'bad', sizeMs: 10, advanceMs: 20 }, 0)).toThrow(
      /window "bad": expected advanceMs to be a positive integer no larger than sizeMs \(10\), found 20/,
    );
  });
});

describe('windowRefsOverlapping', () => {
  it('lists every tumbling window intersecting a range, half-open at both ends', () => {
    const ids = windowRefsOverlapping(tumbling15, utc('2026-03-28T22:14:59.999Z'), utc('2026-03-28T22:45:00Z')).map(
      (r) => r.windowId,
    );
    expect(ids).toEqual(['2026-03-28T22:00:00.000Z', '2026-03-28T22:15:00.000Z', '2026-03-28T22:30:00.000Z']);
  });

  it('lists every hopping window intersecting a range', () => {
    const refs = windowRefsOverlapping(hopping, utc('2026-03-28T22:00:00Z'), utc('2026-03-28T22:15:00Z'));
    expect(refs.map((r) => r.windowId)).toEqual([
      '2026-03-28T21:15:00.000Z',
      '2026-03-28T21:30:00.000Z',
      '2026-03-28T21:45:00.000Z',
      '2026-03-28T22:00:00.000Z',
    ]);
  });

  it('lists shifts over the spring night with their real lengths', () => {
    const refs = windowRefsOverlapping(shift, utc('2026-03-28T20:00:00Z'), utc('2026-03-29T05:00:00Z'), calendar);
    expect(refs.map((r) => [r.windowId, (r.endMs - r.startMs) / H])).toEqual([
      ['2026-03-28/late', 8],
      ['2026-03-28/night', 7],
      ['2026-03-29/early', 8],
    ]);
  });

  it('is empty for an empty range', () => {
    expect(windowRefsOverlapping(tumbling15, 100, 100)).toEqual([]);
    expect(windowRefsOverlapping(shift, 100, 50, calendar)).toEqual([]);
  });
});
