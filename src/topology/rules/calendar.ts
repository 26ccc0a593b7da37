// Rules about the shift calendar and the plant's time zone. These checks give precise paths for
// the common mistakes; when they pass, the core's createShiftCalendar (src/core/shifts.ts) runs as
// well and its findings (e.g. an override overlapping the next day's shifts) are reported under
// the same rule name.
import { WEEKDAYS } from '../../core/plan.js';
import type { ShiftDoc } from '../document.js';
import { didYouMean } from '../schema-check.js';
import { expandDays } from '../model.js';
import { pointer } from '../source.js';
import type { LintRule } from './rule.js';

const DAY_S = 86_400;
const WEEK_S = 7 * DAY_S;

/** `HH:MM[:SS]` -> seconds after local midnight, or undefined (24:00 only when `end`). */
export function parseLocalTime(text: string, end: boolean): number | undefined {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (m === null) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3] ?? '0');
  if (min > 59 || s > 59) return undefined;
  if (h === 24) return end && min === 0 && s === 0 ? DAY_S : undefined;
  return h <= 23 ? h * 3600 + min * 60 + s : undefined;
}

export function isRealDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

interface Span {
  readonly startS: number;
  readonly endS: number;
  readonly label: string;
}

function hhmm(seconds: number): string {
  const s = ((seconds % DAY_S) + DAY_S) % DAY_S;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** Checks one shift's times; returns its [start, end) in seconds from the day's midnight or undefined. */
function checkShiftTimes(
  shift: ShiftDoc,
  path: string,
  report: (p: string, m: string) => void,
): { startS: number; endS: number } | undefined {
  const start = parseLocalTime(shift.start, false);
  const end = parseLocalTime(shift.end, true);
  if (start === undefined)
    report(
      `${path}/start`,
      `shift '${shift.name}' start: expected a local time 00:00 .. 23:59:59, found '${shift.start}'`,
    );
  if (end === undefined)
    report(`${path}/end`, `shift '${shift.name}' end: expected a local time 00:00 .. 24:00, found '${shift.end}'`);
  if (start === undefined || end === undefined) return undefined;
  // As in the core's calendar: end <= start ends on the next local day (06:00 -> 06:00 is 24 hours).
  return { startS: start, endS: end > start ? end : end + DAY_S };
}

function overlaps(a: Span, b: Span, period: number): boolean {
  for (const shift of period > 0 ? [-period, 0, period] : [0]) {
    if (a.startS < b.endS + shift && b.startS + shift < a.endS) return true;
  }
  return false;
}

export const shiftsValid: LintRule = {
  name: 'shifts-valid',
  severity: 'error',
  summary:
    'Shift times are real local times, shifts do not overlap, days are not ' +
    'repeated, holiday and override dates are real, unique and not both.',
  check({ doc, report }) {
    const cal = doc.calendar;
    // Weekly patterns.
    const spans: { span: Span; index: number; day: number; name: string }[] = [];
    cal.shifts.forEach((shift, i) => {
      const path = pointer('calendar', 'shifts', i);
      const days = expandDays(shift.days);
      const seenDays = new Set<string>();
      for (const d of days) {
        if (seenDays.has(d))
          report(`${path}/days`, `shift '${shift.name}': expected each weekday once, found '${d}' twice`);
        seenDays.add(d);
      }
      const times = checkShiftTimes(shift, path, report);
      if (times === undefined) return;
      for (const d of seenDays) {
        const day = WEEKDAYS.indexOf(d as (typeof WEEKDAYS)[number]);
        const startS = day * DAY_S + times.startS;
        spans.push({
          span: { startS, endS: day * DAY_S + times.endS, label: `${d} ${shift.start}-${shift.end}` },
          index: i,
          day,
          name: shift.name,
        });
      }
    });
    const reported = new Set<string>();
    for (let a = 0; a < spans.length; a++) {
      for (let b = a + 1; b < spans.length; b++) {
        const x = spans[a];
        const y = spans[b];
        if (x === undefined || y === undefined) continue;
        const at = pointer('calendar', 'shifts', Math.max(x.index, y.index));
        if (x.index !== y.index && x.day === y.day && x.name === y.name && !reported.has(`name|${at}|${x.day}`)) {
          reported.add(`name|${at}|${x.day}`);
          report(
            at,
            `shift name '${x.name}' starts twice on ${WEEKDAYS[x.day] ?? '?'}: ` +
              `expected one shift per name and day (its id is <date>/${x.name}), found two`,
          );
        }
        if (overlaps(x.span, y.span, WEEK_S) && !reported.has(`overlap|${at}`)) {
          reported.add(`overlap|${at}`);
          report(
            at,
            `shift '${y.name}' (${y.span.label}) overlaps shift '${x.name}' (${x.span.label}): expected ` +
              `shifts that do not overlap, found ${hhmm(Math.max(x.span.startS, y.span.startS))} in both`,
          );
        }
      }
    }
    // Holidays.
    const holidays = new Map<string, number>();
    (cal.holidays ?? []).forEach((h, i) => {
      const path = pointer('calendar', 'holidays', i, 'date');
      if (!isRealDate(h.date)) report(path, `holiday: expected a real calendar date YYYY-MM-DD, found '${h.date}'`);
      else if (holidays.has(h.date))
        report(
          path,
          `holiday ${h.date}: expected each date once, found it again ` +
            `(first at /calendar/holidays/${holidays.get(h.date) ?? 0})`,
        );
      else holidays.set(h.date, i);
    });
    // Overrides.
    const overrideDates = new Map<string, number>();
    (cal.overrides ?? []).forEach((o, i) => {
      const path = pointer('calendar', 'overrides', i);
      if (!isRealDate(o.date))
        report(`${path}/date`, `override: expected a real calendar date YYYY-MM-DD, found '${o.date}'`);
      else if (overrideDates.has(o.date))
        report(
          `${path}/date`,
          `override ${o.date}: expected each date once, found it again ` +
            `(first at /calendar/overrides/${overrideDates.get(o.date) ?? 0})`,
        );
      else if (holidays.has(o.date))
        report(
          `${path}/date`,
          `override ${o.date}: expected a date that is not also a holiday, ` +
            `found it under /calendar/holidays/${holidays.get(o.date) ?? 0}`,
        );
      overrideDates.set(o.date, i);
      const own: { span: Span; index: number; name: string }[] = [];
      const names = new Set<string>();
      o.shifts.forEach((s, j) => {
        const sPath = `${path}/shifts/${j}`;
        if (names.has(s.name))
          report(`${sPath}/name`, `override ${o.date}: expected each shift name once, found '${s.name}' twice`);
        names.add(s.name);
        const t = checkShiftTimes(s, sPath, report);
        if (t !== undefined) own.push({ span: { ...t, label: `${s.start}-${s.end}` }, index: j, name: s.name });
      });
      for (let a = 0; a < own.length; a++) {
        for (let b = a + 1; b < own.length; b++) {
          const x = own[a];
          const y = own[b];
          if (x !== undefined && y !== undefined && overlaps(x.span, y.span, 0)) {
            report(
              `${path}/shifts/${y.index}`,
              `override ${o.date}: shift '${y.name}' (${y.span.label}) overlaps shift ` +
                `'${x.name}' (${x.span.label}): expected shifts that do not overlap`,
            );
          }
        }
      }
    });
  },
};

let zoneNames: readonly string[] | undefined;

export const validTimeZone: LintRule = {
  name: 'valid-time-zone',
  severity: 'error',
  summary: '`plant.timeZone` is an IANA time zone id that this Node.js (ICU) knows, e.g. `Europe/Berlin`.',
  check({ doc, report }) {
    const zone = doc.plant.timeZone;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      zoneNames ??= Intl.supportedValuesOf('timeZone');
      report(
        pointer('plant', 'timeZone'),
        `time zone: expected an IANA time zone id such as 'Europe/Berlin' ` +
          `or 'America/Chicago', found '${zone}'${didYouMean(zone, zoneNames)}`,
      );
    }
  },
};

/** `shifts[1].start` / `overrides[0].shifts[2]` / `holidays[3].date` -> a JSON pointer under /calendar. */
export function calendarPathOf(problem: string): string {
  const m = /(shifts|holidays|overrides)\[(\d+)\](?:\.shifts\[(\d+)\])?(?:\.(name|start|end|days|date))?/.exec(problem);
  if (m === null) return '/calendar';
  let path = `/calendar/${m[1] ?? ''}/${m[2] ?? ''}`;
  if (m[3] !== undefined) path += `/shifts/${m[3]}`;
  if (m[4] !== undefined) path += `/${m[4]}`;
  return path;
}
