// IANA time zones for the pure core: UTC offsets, local wall clock <-> UTC, ISO formatting.
//
// Why `Intl.DateTimeFormat` and not a time-zone library (luxon, date-fns-tz, @js-temporal/polyfill):
// - zero dependencies: Node ships ICU with the full tzdata (`process.versions.tz`), the same data the
//   OS and every other ICU consumer use, updated with Node; no hand-written or bundled zone tables;
// - the libraries above call `Intl.DateTimeFormat` underneath anyway (luxon, date-fns-tz) or add a
//   large polyfill (Temporal) for the two operations the core needs: offset at an instant and
//   local wall clock -> instant;
// - fast enough: one formatter per zone, built once and cached; offsets are cached per UTC hour, so a
//   formatter call (about 6 us) happens once per hour of time touched, and the hot path is a Map hit.
//
// Local wall-clock times are represented as "local ms": the epoch ms the local fields would have if
// they were UTC (2026-03-29 03:00 local -> Date.UTC(2026, 2, 29, 3)). No `Date` is used here:
// calendar arithmetic is done on day numbers (days since 1970-01-01, proleptic Gregorian).
import { TopologyError } from '../errors.js';

export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

export interface TimeZone {
  readonly id: string;
  /** Local time minus UTC at this instant, in ms (+7_200_000 for CEST). */
  offsetAtMs(utcMs: number): number;
  /**
   * Local wall-clock ms (fields as if UTC) -> UTC ms. Nonexistent (spring gap) moves forward by the gap;
   * ambiguous (autumn overlap) takes the first occurrence (= Temporal's 'compatible').
   */
  localToUtcMs(localMs: number): number;
  utcToLocalMs(utcMs: number): number;
  /** '2026-03-29T03:00:00.000+02:00' */
  formatLocal(utcMs: number): string;
  /** local date 'YYYY-MM-DD' of an instant */
  localDate(utcMs: number): string;
}

// ---------------------------------------------------------------------------------------------
// Civil calendar arithmetic (Howard Hinnant's days_from_civil / civil_from_days), exact for all
// integers in the Date range, negative years included.

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** 0 = Monday ... 6 = Sunday (the order of `WEEKDAYS` in plan.ts). 1970-01-01 was a Thursday. */
export function weekdayIndexOfDays(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

/** Year as `Date.prototype.toISOString` writes it: 4 digits for 0..9999, else a sign and 6 digits. */
function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return String(year).padStart(4, '0');
  return (year < 0 ? '-' : '+') + String(Math.abs(year)).padStart(6, '0');
}

/** 'YYYY-MM-DD' of a day number. */
export function formatDays(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${formatYear(year)}-${pad2(month)}-${pad2(day)}`;
}

/** 'YYYY-MM-DDTHH:MM:SS.mmm' of wall-clock ms (no zone suffix). */
function formatWallMs(wallMs: number): string {
  const days = Math.floor(wallMs / MS_PER_DAY);
  let rest = wallMs - days * MS_PER_DAY;
  const h = Math.floor(rest / MS_PER_HOUR);
  rest -= h * MS_PER_HOUR;
  const m = Math.floor(rest / MS_PER_MINUTE);
  rest -= m * MS_PER_MINUTE;
  const s = Math.floor(rest / MS_PER_SECOND);
  const ms = rest - s * MS_PER_SECOND;
  return `${formatDays(days)}T${pad2(h)}:${pad2(m)}:${pad2(s)}.${pad3(ms)}`;
}

/** Exactly `new Date(utcMs).toISOString()`, without `Date`: '2026-03-28T22:00:00.000Z'. */
export function formatUtcIso(utcMs: number): string {
  return `${formatWallMs(utcMs)}Z`;
}

/** '+02:00', '-05:00', '+10:30'; offsets with seconds (local mean time before ~1900) get ':SS'. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(offsetMs) / MS_PER_SECOND;
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = Math.floor(abs % 60);
  return `${sign}${pad2(h)}:${pad2(m)}${s === 0 ? '' : `:${pad2(s)}`}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' -> day number, or undefined when it is not a real calendar date. */
export function parseLocalDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  return back.month === month && back.day === day ? days : undefined;
}

// ---------------------------------------------------------------------------------------------
// Zones

// Offsets outside these bounds are read at the bound: before 1800 every zone is on its first
// (local mean time) offset, and ICU's rules repeat yearly far beyond 9999. It also keeps the
// formatter away from the edges of the Date range.
const MIN_LOOKUP_MS = daysFromCivil(1800, 1, 1) * MS_PER_DAY;
const MAX_LOOKUP_MS = daysFromCivil(9999, 1, 1) * MS_PER_DAY;
/** Bounds the per-zone offset caches; clearing is cheap and only costs formatter calls. */
const MAX_CACHE_ENTRIES = 200_000;

const zones = new Map<string, TimeZone>();

/** The zone for an IANA id; throws a TopologyError for an id ICU does not know. Cached per id. */
export function createTimeZone(id: string): TimeZone {
  const cached = zones.get(id);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    // An absent zone would silently mean the host's zone: refuse it like an unknown one.
    if (typeof id !== 'string' || id.trim() === '') throw new RangeError('empty time zone id');
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (err) {
    throw new TopologyError(
      'SHIFTSTREAM_TOPOLOGY_INVALID',
      `time zone ${JSON.stringify(id)}: expected an IANA time zone id known to ICU ` +
        `(e.g. "Europe/Berlin", "America/New_York"), found an unknown id`,
      { details: { timeZone: id }, cause: err },
    );
  }
  const zone = new IntlTimeZone(id, formatter);
  zones.set(id, zone);
  return zone;
}

class IntlTimeZone implements TimeZone {
  /** UTC hour index -> the offset for the whole hour, or NaN when a transition falls inside it. */
  private readonly hourOffsets = new Map<number, number>();
  /** UTC hour index -> [transition second (ms), offset before, offset after] for hours with a change. */
  private readonly transitions = new Map<number, readonly [number, number, number]>();

  constructor(
    readonly id: string,
    private readonly formatter: Intl.DateTimeFormat,
  ) {}

  /** The last hour looked up with a single offset: consecutive lookups mostly hit the same hour. */
  private lastHour = Number.NaN;
  private lastOffset = 0;

  offsetAtMs(utcMs: number): number {
    const t = utcMs < MIN_LOOKUP_MS ? MIN_LOOKUP_MS : utcMs > MAX_LOOKUP_MS ? MAX_LOOKUP_MS : utcMs;
    const hour = Math.floor(t / MS_PER_HOUR);
    if (hour === this.lastHour) return this.lastOffset;
    const known = this.hourOffsets.get(hour);
    if (known !== undefined) {
      if (!Number.isNaN(known)) {
        this.lastHour = hour;
        this.lastOffset = known;
        return known;
      }
      const tr = this.transitions.get(hour);
      if (tr !== undefined) return t < tr[0] ? tr[1] : tr[2];
    }
    return this.fillHour(hour, t);
  }

  private fillHour(hour: number, t: number): number {
    if (this.hourOffsets.size >= MAX_CACHE_ENTRIES) {
      this.hourOffsets.clear();
      this.transitions.clear();
    }
    const startMs = hour * MS_PER_HOUR;
    const endSecondMs = startMs + MS_PER_HOUR - MS_PER_SECOND;
    const before = this.offsetBySecond(startMs);
    const after = this.offsetBySecond(endSecondMs);
    if (before === after) {
      this.hourOffsets.set(hour, before);
      return before;
    }
    // tzdata transitions fall on whole seconds: binary-search the first second with the new offset.
    let lo = startMs; // offset === before
    let hi = endSecondMs; // offset === after
    while (hi - lo > MS_PER_SECOND) {
      const mid = lo + Math.floor((hi - lo) / 2 / MS_PER_SECOND) * MS_PER_SECOND;
      if (this.offsetBySecond(mid) === before) lo = mid;
      else hi = mid;
    }
    this.hourOffsets.set(hour, Number.NaN);
    this.transitions.set(hour, [hi, before, after]);
    return t < hi ? before : after;
  }

  /** The offset at the whole second containing `utcMs`, straight from ICU. */
  private offsetBySecond(utcMs: number): number {
    const secondMs = Math.floor(utcMs / MS_PER_SECOND) * MS_PER_SECOND;
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.formatter.formatToParts(secondMs)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        case 'era':
          bc = part.value === 'BC' || part.value === 'B';
          break;
        default:
          break;
      }
    }
    if (bc) year = 1 - year;
    const wallMs =
      daysFromCivil(year, month, day) * MS_PER_DAY +
      hour * MS_PER_HOUR +
      minute * MS_PER_MINUTE +
      second * MS_PER_SECOND;
    return wallMs - secondMs;
  }

  utcToLocalMs(utcMs: number): number {
    return utcMs + this.offsetAtMs(utcMs);
  }

  localToUtcMs(localMs: number): number {
    // The offsets a day before and a day after bracket any transition near this wall-clock time
    // (zones change offset at most once in two days and offsets are under a day).
    const offBefore = this.offsetAtMs(localMs - MS_PER_DAY);
    const offAfter = this.offsetAtMs(localMs + MS_PER_DAY);
    const early = localMs - offBefore;
    if (offBefore === offAfter) return early;
    const late = localMs - offAfter;
    const first = Math.min(early, late);
    const second = Math.max(early, late);
    if (this.utcToLocalMs(first) === localMs) return first; // normal, or the first of two occurrences
    if (this.utcToLocalMs(second) === localMs) return second;
    // Nonexistent (a gap): read the wall clock with the offset in force before the gap, which lands
    // the same distance past the gap's end ("moves forward by the gap").
    return early;
  }

  formatLocal(utcMs: number): string {
    const off = this.offsetAtMs(utcMs);
    return formatWallMs(utcMs + off) + formatOffset(off);
  }

  localDate(utcMs: number): string {
    return formatDays(Math.floor(this.utcToLocalMs(utcMs) / MS_PER_DAY));
  }
}
