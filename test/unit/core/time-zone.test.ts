import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../src/errors.js';
import {
  civilFromDays,
  createTimeZone,
  daysFromCivil,
  formatOffset,
  formatUtcIso,
  parseLocalDate,
  weekdayIndexOfDays,
} from '../../../src/core/time-zone.js';

const H = 3_600_000;
const M = 60_000;
/** Local wall-clock ms of a local date-time (fields as if UTC). */
const wall = (y: number, mo: number, d: number, h = 0, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);
const utc = (iso: string): number => Date.parse(iso);

describe('civil calendar arithmetic', () => {
  it.each([
    [1970, 1, 1, 0],
    [2026, 3, 29, Date.UTC(2026, 2, 29) / 86_400_000],
    [2000, 2, 29, Date.UTC(2000, 1, 29) / 86_400_000],
    [1900, 3, 1, Date.UTC(1900, 2, 1) / 86_400_000],
    [-1, 12, 31, Date.UTC(-1, 11, 31) / 86_400_000],
  ])('%i-%i-%i is day %i and back', (y, m, d, days) => {
    expect(daysFromCivil(y, m, d)).toBe(days);
    expect(civilFromDays(days)).toEqual({ year: y, month: m, day: d });
  });

  it('formats UTC exactly like Date.prototype.toISOString, extended years included', () => {
    for (const ms of [
      0, -1, 1_774_746_000_123, -62_198_755_200_000, -62_198_755_200_001, 253_402_300_799_999, 253_402_300_800_000,
      -8.64e15, 8.64e15,
    ]) {
      expect(formatUtcIso(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('knows weekdays (0 = Monday)', () => {
    expect(weekdayIndexOfDays(0)).toBe(3); // 1970-01-01 Thursday
    expect(weekdayIndexOfDays(daysFromCivil(2026, 3, 29))).toBe(6); // Sunday
    expect(weekdayIndexOfDays(daysFromCivil(1969, 12, 29))).toBe(0); // Monday, negative day number
  });

  it.each([
    ['2026-02-29', undefined],
    ['2024-02-29', daysFromCivil(2024, 2, 29)],
    ['2026-13-01', undefined],
    ['2026-04-31', undefined],
    ['2026-4-01', undefined],
    ['26-04-01', undefined],
    ['2026-04-01T00:00', undefined],
  ])('parseLocalDate(%s)', (text, expected) => {
    expect(parseLocalDate(text)).toBe(expected);
  });

  it.each([
    [2 * H, '+02:00'],
    [-5 * H, '-05:00'],
    [10 * H + 30 * M, '+10:30'],
    [-(3 * H + 30 * M), '-03:30'],
    [0, '+00:00'],
    [53 * M + 28_000, '+00:53:28'],
  ])('formatOffset(%i) = %s', (off, text) => {
    expect(formatOffset(off)).toBe(text);
  });
});

describe('createTimeZone', () => {
  it('rejects an unknown id with a TopologyError that names it and what was expected', () => {
    expect(() => createTimeZone('Europe/Berlni')).toThrow(TopologyError);
    expect(() => createTimeZone('Europe/Berlni')).toThrow(
      /time zone "Europe\/Berlni": expected an IANA time zone id.*found an unknown id/,
    );
  });

  it('rejects an empty id instead of falling back to the host zone', () => {
    expect(() => createTimeZone('')).toThrow(/time zone "": expected an IANA time zone id/);
    expect(() => createTimeZone(undefined as unknown as string)).toThrow(TopologyError);
  });

  it('caches one zone per id', () => {
    expect(createTimeZone('Europe/Berlin')).toBe(createTimeZone('Europe/Berlin'));
  });

  // Offsets on both sides of each 2026 transition (the transition instant itself has the new offset).
  it.each([
    ['Europe/Berlin', '2026-03-29T00:59:59.999Z', 1 * H],
    ['Europe/Berlin', '2026-03-29T01:00:00.000Z', 2 * H],
    ['Europe/Berlin', '2026-10-25T00:59:59.999Z', 2 * H],
    ['Europe/Berlin', '2026-10-25T01:00:00.000Z', 1 * H],
    ['America/New_York', '2026-03-08T06:59:59.999Z', -5 * H],
    ['America/New_York', '2026-03-08T07:00:00.000Z', -4 * H],
    ['America/New_York', '2026-11-01T05:59:59.999Z', -4 * H],
    ['America/New_York', '2026-11-01T06:00:00.000Z', -5 * H],
    ['Australia/Sydney', '2026-04-04T15:59:59.999Z', 11 * H], // 03:00 AEDT -> 02:00 AEST on 2026-04-05
    ['Australia/Sydney', '2026-04-04T16:00:00.000Z', 10 * H],
    ['Australia/Sydney', '2026-10-03T15:59:59.999Z', 10 * H], // 02:00 AEST -> 03:00 AEDT on 2026-10-04
    ['Australia/Sydney', '2026-10-03T16:00:00.000Z', 11 * H],
    ['Australia/Lord_Howe', '2026-04-04T14:59:59.999Z', 11 * H], // 02:00 -> 01:30
    ['Australia/Lord_Howe', '2026-04-04T15:00:00.000Z', 10 * H + 30 * M],
    ['Australia/Lord_Howe', '2026-10-03T15:29:59.999Z', 10 * H + 30 * M], // 02:00 -> 02:30
    ['Australia/Lord_Howe', '2026-10-03T15:30:00.000Z', 11 * H],
    ['Asia/Kolkata', '2026-06-01T00:00:00.000Z', 5 * H + 30 * M],
    ['UTC', '2026-06-01T00:00:00.000Z', 0],
    ['Europe/Paris', '1900-06-01T00:00:00.000Z', 9 * M + 21_000], // Paris mean time, whole seconds
    ['Africa/Monrovia', '1970-06-01T00:00:00.000Z', -(44 * M + 30_000)],
  ])('%s offset at %s', (id, iso, offset) => {
    expect(createTimeZone(id).offsetAtMs(utc(iso))).toBe(offset);
  });

  it('agrees with ICU at every hour of 2026 in Berlin and New York (as Date#toLocaleString reads it)', () => {
    for (const id of ['Europe/Berlin', 'America/New_York']) {
      const tz = createTimeZone(id);
      const fmt = new Intl.DateTimeFormat('sv-SE', { timeZone: id, dateStyle: 'short', timeStyle: 'medium' });
      for (let t = utc('2026-01-01T00:00:00Z'); t < utc('2027-01-01T00:00:00Z'); t += 7 * H + 13 * M) {
        const expected = Date.parse(`${fmt.format(t).replace(' ', 'T')}Z`) - t;
        expect(tz.offsetAtMs(t)).toBe(expected);
      }
    }
  });

  type Row = [zone: string, local: number, expectedUtc: string, note: string];
  const localRows: Row[] = [
    ['Europe/Berlin', wall(2026, 3, 29, 1, 30), '2026-03-29T00:30:00.000Z', 'before the gap'],
    ['Europe/Berlin', wall(2026, 3, 29, 2, 0), '2026-03-29T01:00:00.000Z', 'gap start -> 03:00 CEST'],
    ['Europe/Berlin', wall(2026, 3, 29, 2, 30), '2026-03-29T01:30:00.000Z', 'in the gap -> 03:30 CEST'],
    ['Europe/Berlin', wall(2026, 3, 29, 3, 0), '2026-03-29T01:00:00.000Z', 'gap end'],
    ['Europe/Berlin', wall(2026, 10, 25, 2, 30), '2026-10-25T00:30:00.000Z', 'ambiguous -> first (CEST)'],
    ['Europe/Berlin', wall(2026, 10, 25, 2, 0), '2026-10-25T00:00:00.000Z', 'ambiguous start -> first'],
    ['Europe/Berlin', wall(2026, 10, 25, 3, 0), '2026-10-25T02:00:00.000Z', 'after the overlap'],
    ['America/New_York', wall(2026, 3, 8, 2, 30), '2026-03-08T07:30:00.000Z', 'in the gap -> 03:30 EDT'],
    ['America/New_York', wall(2026, 11, 1, 1, 30), '2026-11-01T05:30:00.000Z', 'ambiguous -> first (EDT)'],
    ['Australia/Lord_Howe', wall(2026, 10, 4, 2, 15), '2026-10-03T15:45:00.000Z', '30 min gap -> 02:45'],
    ['Australia/Lord_Howe', wall(2026, 4, 5, 1, 45), '2026-04-04T14:45:00.000Z', '30 min overlap -> first'],
    ['Australia/Sydney', wall(2026, 4, 5, 2, 30), '2026-04-04T15:30:00.000Z', 'southern autumn overlap -> first'],
  ];
  it.each(localRows)('%s localToUtcMs: %s', (id, local, expected) => {
    expect(formatUtcIso(createTimeZone(id).localToUtcMs(local))).toBe(expected);
  });

  it.each([
    ['Europe/Berlin', '2026-03-29T01:00:00.000Z', '2026-03-29T03:00:00.000+02:00', '2026-03-29'],
    ['Europe/Berlin', '2026-03-28T23:30:00.000Z', '2026-03-29T00:30:00.000+01:00', '2026-03-29'],
    ['America/New_York', '2026-11-01T05:30:00.000Z', '2026-11-01T01:30:00.000-04:00', '2026-11-01'],
    ['America/New_York', '2026-11-01T06:30:00.000Z', '2026-11-01T01:30:00.000-05:00', '2026-11-01'],
    ['America/New_York', '2026-11-01T03:59:59.999Z', '2026-10-31T23:59:59.999-04:00', '2026-10-31'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00.000Z', '2026-10-04T02:30:00.000+11:00', '2026-10-04'],
  ])('%s formatLocal(%s)', (id, iso, local, date) => {
    const tz = createTimeZone(id);
    expect(tz.formatLocal(utc(iso))).toBe(local);
    expect(tz.localDate(utc(iso))).toBe(date);
  });

  it('maps an overlap second occurrence back to the first one, and everything else to itself', () => {
    const tz = createTimeZone('Europe/Berlin');
    const second = utc('2026-10-25T01:30:00Z'); // 02:30 CET
    expect(tz.localToUtcMs(tz.utcToLocalMs(second))).toBe(second - H);
    const first = utc('2026-10-25T00:30:00Z'); // 02:30 CEST
    expect(tz.localToUtcMs(tz.utcToLocalMs(first))).toBe(first);
  });
});
