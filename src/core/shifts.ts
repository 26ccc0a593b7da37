// Shift calendars (docs/semantics.md section 5): named shifts in local time per weekday, dated holidays and
// overrides, resolved to UTC instances that stay right across daylight-saving changes.
//
// Rules of docs/semantics.md section 5:
// - A shift id is `<local date the shift is scheduled to start on>/<name>`, e.g. `2026-03-28/night`.
//   The scheduled date is used even when a nonexistent start moves forward past midnight.
// - `end <= start` means the shift ends on the next local day (22:00 -> 06:00; 06:00 -> 06:00 is 24 h);
//   `24:00` as an end means the end of the start day.
// - Local start AND end times are resolved with the same rule: a nonexistent time (spring gap) moves
//   forward by the gap, an ambiguous one (autumn overlap) means its first occurrence. The length is
//   the real elapsed time between the two instants.
// - A holiday date has no shift starting on it (a night shift that started the day before still runs
//   to its end). An override replaces that date's pattern shifts; an empty list means none.
// - The spec is validated on local wall-clock time (no overlaps, unique names per day). Only a
//   pathological boundary inside a DST gap (a shift ending at 02:30 on the spring night while the next
//   starts at 03:00) can still make two resolved instances overlap; the later one then starts where the
//   earlier ends, and an instance left with no time at all is dropped. So instances never overlap.
import { TopologyError } from '../errors.js';
import { WEEKDAYS } from './plan.js';
import type { ShiftCalendarSpec, ShiftDef, Weekday } from './plan.js';
import {
  createTimeZone,
  formatDays,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  parseLocalDate,
  weekdayIndexOfDays,
} from './time-zone.js';
import type { TimeZone } from './time-zone.js';

export interface ShiftInstance {
  /** `<local date of its start>/<name>` */
  readonly shiftId: string;
  readonly name: string;
  /** The local date `YYYY-MM-DD` the shift is scheduled to start on. */
  readonly localDate: string;
  readonly startMs: number;
  readonly endMs: number;
  /** '2026-03-28T22:00:00.000+01:00' */
  readonly startLocal: string;
  readonly endLocal: string;
}

export interface ShiftCalendar {
  readonly timeZone: TimeZone;
  /** Every instance intersecting [fromMs, toMs), ascending by start. */
  instancesOverlapping(fromMs: number, toMs: number): ShiftInstance[];
  /** The instance containing tsMs (start <= ts < end), if any. */
  instanceAt(tsMs: number): ShiftInstance | undefined;
}

/** One shift of a day's schedule, times in ms since the local midnight of its start date. */
interface DayShift {
  readonly name: string;
  readonly startMs: number;
  /** > startMs; up to 2 days when it crosses midnight. */
  readonly endMs: number;
  /** Where it was declared, for messages. */
  readonly source: string;
}

/** A resolved instance before the no-overlap sweep. */
interface RawInstance {
  readonly shift: DayShift;
  readonly startMs: number;
  readonly endMs: number;
}

const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;
/** Days cached per calendar before the caches are cleared (about 270 years of days). */
const MAX_CACHED_DAYS = 100_000;
/** The sample week for validation: Monday 2024-01-01 to Monday 2024-01-08 (local dates). */
const SAMPLE_MONDAY = parseLocalDate('2024-01-01') ?? 0;

/** `HH:MM[:SS]` -> ms since midnight; `24:00` only when allowed (ends). */
function parseTime(text: string, allowEndOfDay: boolean): number | undefined {
  const m = TIME_RE.exec(text);
  if (m === null) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (h === 24 && min === 0 && s === 0) return allowEndOfDay ? MS_PER_DAY : undefined;
  if (h > 23 || min > 59 || s > 59) return undefined;
  return h * MS_PER_HOUR + min * MS_PER_MINUTE + s * MS_PER_SECOND;
}

function formatClock(msOfDay: number): string {
  const days = Math.floor(msOfDay / MS_PER_DAY);
  const rest = msOfDay - days * MS_PER_DAY;
  const h = Math.floor(rest / MS_PER_HOUR);
  const m = Math.floor((rest % MS_PER_HOUR) / MS_PER_MINUTE);
  const s = Math.floor((rest % MS_PER_MINUTE) / MS_PER_SECOND);
  const clock =
    `${String(h).padStart(2, '0')}:` +
    `${String(m).padStart(2, '0')}${s === 0 ? '' : `:${String(s).padStart(2, '0')}`}`;
  return days === 0 ? clock : `${clock} (+${days}d)`;
}

function formatDuration(ms: number): string {
  const h = Math.floor(ms / MS_PER_HOUR);
  const m = Math.floor((ms % MS_PER_HOUR) / MS_PER_MINUTE);
  return `${h}h ${String(m).padStart(2, '0')}m`;
}

/** Parses and validates one shift definition; pushes problems and returns undefined on failure. */
function compileShift(def: ShiftDef, path: string, problems: string[]): DayShift | undefined {
  let ok = true;
  if (typeof def.name !== 'string' || def.name.length === 0) {
    problems.push(`${path}.name: expected a non-empty shift name, found ${JSON.stringify(def.name)}`);
    ok = false;
  }
  const startMs = parseTime(def.start, false);
  if (startMs === undefined) {
    problems.push(
      `${path}.start: expected a local time HH:MM or HH:MM:SS ` +
        `from 00:00 to 23:59:59, found ${JSON.stringify(def.start)}`,
    );
    ok = false;
  }
  const endMs = parseTime(def.end, true);
  if (endMs === undefined) {
    problems.push(
      `${path}.end: expected a local time HH:MM or HH:MM:SS from 00:00 to 24:00, found ${JSON.stringify(def.end)}`,
    );
    ok = false;
  }
  if (!ok || startMs === undefined || endMs === undefined) return undefined;
  return {
    name: def.name,
    startMs,
    endMs: endMs <= startMs ? endMs + MS_PER_DAY : endMs,
    source: `${path} (${def.name})`,
  };
}

function checkUniqueNames(shifts: readonly DayShift[], where: string, problems: string[]): void {
  const seen = new Set<string>();
  for (const s of shifts) {
    if (seen.has(s.name)) {
      problems.push(
        `${where}: expected unique shift names per day (the shift id is <date>/<name>), found "${s.name}" twice`,
      );
    }
    seen.add(s.name);
  }
}

function fail(problems: readonly string[]): never {
  const message =
    problems.length === 1
      ? `calendar: ${problems[0] ?? ''}`
      : `calendar: ${problems.length} problems:\n- ${problems.join('\n- ')}`;
  throw new TopologyError('SHIFTSTREAM_TOPOLOGY_INVALID', message, { details: { problems } });
}

export function createShiftCalendar(spec: ShiftCalendarSpec): ShiftCalendar {
  const problems: string[] = [];
  let timeZone: TimeZone | undefined;
  try {
    timeZone = createTimeZone(spec.timeZone);
  } catch (err) {
    problems.push(`timeZone: ${err instanceof Error ? err.message : String(err)}`);
  }

  // Weekly pattern: one sorted schedule per weekday (0 = mon).
  const byWeekday: DayShift[][] = WEEKDAYS.map(() => []);
  spec.shifts.forEach((pattern, i) => {
    const path = `shifts[${i}]`;
    const shift = compileShift(pattern, path, problems);
    if (pattern.days.length === 0)
      problems.push(`${path}.days: expected at least one weekday (${WEEKDAYS.join(', ')}), found none`);
    const days = new Set<Weekday>();
    for (const day of pattern.days) {
      const idx = WEEKDAYS.indexOf(day);
      if (idx < 0) {
        problems.push(`${path}.days: expected weekdays from ${WEEKDAYS.join(', ')}, found ${JSON.stringify(day)}`);
      } else if (days.has(day)) {
        problems.push(`${path}.days: expected each weekday once, found "${day}" twice`);
      } else {
        days.add(day);
        if (shift !== undefined) byWeekday[idx]?.push(shift);
      }
    }
  });
  byWeekday.forEach((shifts, idx) => {
    shifts.sort((a, b) => a.startMs - b.startMs);
    checkUniqueNames(shifts, `shifts on ${WEEKDAYS[idx] ?? idx}`, problems);
  });

  const holidays = new Set<number>();
  spec.holidays.forEach((h, i) => {
    const day = parseLocalDate(h.date);
    if (day === undefined)
      problems.push(`holidays[${i}].date: expected a local date YYYY-MM-DD, found ${JSON.stringify(h.date)}`);
    else holidays.add(day);
  });

  const overrides = new Map<number, DayShift[]>();
  spec.overrides.forEach((o, i) => {
    const path = `overrides[${i}]`;
    const day = parseLocalDate(o.date);
    if (day === undefined) {
      problems.push(`${path}.date: expected a local date YYYY-MM-DD, found ${JSON.stringify(o.date)}`);
      return;
    }
    if (overrides.has(day)) problems.push(`${path}.date: expected one override per date, found ${o.date} again`);
    if (holidays.has(day)) {
      problems.push(
        `${path}.date: expected a date that is not also a holiday (a holiday ` +
          `has no shifts, an override lists them), found ${o.date} in both`,
      );
    }
    const shifts: DayShift[] = [];
    o.shifts.forEach((def, j) => {
      const s = compileShift(def, `${path}.shifts[${j}]`, problems);
      if (s !== undefined) shifts.push(s);
    });
    shifts.sort((a, b) => a.startMs - b.startMs);
    checkUniqueNames(shifts, `${path} (${o.date})`, problems);
    overrides.set(day, shifts);
  });

  if (problems.length > 0 || timeZone === undefined) fail(problems);

  const scheduleOf = (day: number): readonly DayShift[] => {
    const override = overrides.get(day);
    if (override !== undefined) return override;
    if (holidays.has(day)) return [];
    return byWeekday[weekdayIndexOfDays(day)] ?? [];
  };

  // The weekly pattern over a sample week (Monday to the next Monday, so Sunday nights meet Monday),
  // then every dated entry against its neighbours.
  const patternOf = (day: number): readonly DayShift[] => byWeekday[weekdayIndexOfDays(day)] ?? [];
  const sampleWeek = Array.from({ length: 8 }, (_, i) => SAMPLE_MONDAY + i);
  checkNoOverlaps(patternOf, sampleWeek, (day) => WEEKDAYS[weekdayIndexOfDays(day)] ?? formatDays(day), problems);
  if (problems.length === 0) {
    const dated = [...overrides.keys()].flatMap((d) => [d, d + 1]);
    checkNoOverlaps(scheduleOf, dated, formatDays, problems);
  }
  if (problems.length > 0) fail(problems);

  return new ResolvedShiftCalendar(timeZone, scheduleOf);
}

/**
 * Overlap check on local wall-clock time: every day against itself and the day before, so night
 * shifts meet the next day's shifts. `label` names a day in messages.
 */
function checkNoOverlaps(
  scheduleOf: (day: number) => readonly DayShift[],
  days: Iterable<number>,
  label: (day: number) => string,
  problems: string[],
): void {
  const reported = new Set<string>();
  for (const day of [...new Set(days)].sort((a, b) => a - b)) {
    const items: { shift: DayShift; day: number; start: number; end: number }[] = [];
    for (const d of [day - 1, day]) {
      for (const shift of scheduleOf(d))
        items.push({ shift, day: d, start: d * MS_PER_DAY + shift.startMs, end: d * MS_PER_DAY + shift.endMs });
    }
    items.sort((a, b) => a.start - b.start);
    for (let i = 1; i < items.length; i++) {
      const prev = items[i - 1];
      const cur = items[i];
      if (prev === undefined || cur === undefined || cur.start >= prev.end) continue;
      const key = `${prev.day}/${prev.shift.name}|${cur.day}/${cur.shift.name}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const describe = (it: typeof prev): string =>
        `${it.shift.source} on ${label(it.day)} ${formatClock(it.shift.startMs)} -> ${formatClock(it.shift.endMs)}`;
      problems.push(
        `shifts must not overlap: expected ${describe(cur)} to start at or after the end of ${describe(prev)}, ` +
          `found an overlap of ${formatDuration(Math.min(prev.end, cur.end) - cur.start)}`,
      );
    }
  }
}

class ResolvedShiftCalendar implements ShiftCalendar {
  private readonly raw = new Map<number, readonly RawInstance[]>();
  private readonly resolved = new Map<number, readonly ShiftInstance[]>();

  constructor(
    readonly timeZone: TimeZone,
    private readonly scheduleOf: (day: number) => readonly DayShift[],
  ) {}

  instancesOverlapping(fromMs: number, toMs: number): ShiftInstance[] {
    const out: ShiftInstance[] = [];
    if (!(toMs > fromMs)) return out;
    // An instance starting 3 local days before `from` can still reach it (24 h shifts, DST gaps);
    // one scheduled the day after `to`'s local date can start before `to` in an autumn overlap.
    const firstDay = Math.floor(this.timeZone.utcToLocalMs(fromMs) / MS_PER_DAY) - 3;
    const lastDay = Math.floor(this.timeZone.utcToLocalMs(toMs - 1) / MS_PER_DAY) + 1;
    for (let day = firstDay; day <= lastDay; day++) {
      for (const inst of this.instancesOfDay(day)) {
        if (inst.startMs < toMs && inst.endMs > fromMs) out.push(inst);
      }
    }
    return out;
  }

  instanceAt(tsMs: number): ShiftInstance | undefined {
    const day = Math.floor(this.timeZone.utcToLocalMs(tsMs) / MS_PER_DAY);
    for (let d = day + 1; d >= day - 3; d--) {
      for (const inst of this.instancesOfDay(d)) {
        if (inst.startMs <= tsMs && tsMs < inst.endMs) return inst;
      }
    }
    return undefined;
  }

  /** The final instances scheduled on a local day, ascending; cached. */
  private instancesOfDay(day: number): readonly ShiftInstance[] {
    const cached = this.resolved.get(day);
    if (cached !== undefined) return cached;
    if (this.resolved.size >= MAX_CACHED_DAYS) {
      this.resolved.clear();
      this.raw.clear();
    }
    // No-overlap sweep in schedule order: the running maximum of earlier ends. Instances the sweep
    // drops end before that maximum, so it can be taken over the raw instances of the prior days.
    let maxEnd = Number.NEGATIVE_INFINITY;
    for (let d = day - 3; d < day; d++) {
      for (const r of this.rawOfDay(d)) if (r.endMs > maxEnd) maxEnd = r.endMs;
    }
    const localDate = formatDays(day);
    const out: ShiftInstance[] = [];
    for (const r of this.rawOfDay(day)) {
      const startMs = r.startMs > maxEnd ? r.startMs : maxEnd;
      if (r.endMs > maxEnd) maxEnd = r.endMs;
      if (r.endMs <= startMs) continue;
      out.push(
        Object.freeze({
          shiftId: `${localDate}/${r.shift.name}`,
          name: r.shift.name,
          localDate,
          startMs,
          endMs: r.endMs,
          startLocal: this.timeZone.formatLocal(startMs),
          endLocal: this.timeZone.formatLocal(r.endMs),
        }),
      );
    }
    const frozen = Object.freeze(out);
    this.resolved.set(day, frozen);
    return frozen;
  }

  private rawOfDay(day: number): readonly RawInstance[] {
    const cached = this.raw.get(day);
    if (cached !== undefined) return cached;
    const midnight = day * MS_PER_DAY;
    const out = this.scheduleOf(day).map((shift) => ({
      shift,
      startMs: this.timeZone.localToUtcMs(midnight + shift.startMs),
      endMs: this.timeZone.localToUtcMs(midnight + shift.endMs),
    }));
    this.raw.set(day, out);
    return out;
  }
}
