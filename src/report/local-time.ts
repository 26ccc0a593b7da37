// Local wall-clock times for the report. A summary carries UTC instants plus `startLocal` and
// `endLocal` with their UTC offsets, not the plant's time-zone name. Inside a shift whose start and
// end offsets agree (nearly all of them) the offset is that one. On a clock-change night the
// offsets differ; then the time zone comes from `--time-zone`, or is inferred: every IANA zone
// whose offsets match at both ends is asked where its transition falls, and if they all agree that
// instant is used. If they disagree, times are shown in UTC and the shift says so.
import { createTimeZone, MS_PER_HOUR, type TimeZone } from '../core/time-zone.js';

const OFFSET_RE = /(Z|[+-]\d{2}:\d{2}(?::\d{2})?)$/;

/** '+02:00' -> 7_200_000; 'Z' -> 0; undefined when the text carries no offset. */
export function parseOffsetMs(local: string): number | undefined {
  const m = OFFSET_RE.exec(local);
  if (m === null) return undefined;
  const text = m[1] ?? 'Z';
  if (text === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const [h = '0', mi = '0', s = '0'] = text.slice(1).split(':');
  return sign * (Number(h) * 3_600_000 + Number(mi) * 60_000 + Number(s) * 1000);
}

export interface LocalClock {
  /** Local wall-clock ms (fields as if UTC) of an instant. */
  toLocalMs(utcMs: number): number;
  /** Offset label at an instant, e.g. `UTC+02:00`. */
  offsetLabel(utcMs: number): string;
  /** Set when local times could not be determined and are shown in UTC. */
  readonly note?: string;
}

function label(offsetMs: number): string {
  if (offsetMs === 0) return 'UTC';
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(offsetMs);
  const h = Math.floor(abs / MS_PER_HOUR);
  const m = Math.floor((abs % MS_PER_HOUR) / 60_000);
  return `UTC${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

function fixed(offsetMs: number, note?: string): LocalClock {
  return {
    toLocalMs: (t) => t + offsetMs,
    offsetLabel: () => label(offsetMs),
    ...(note === undefined ? {} : { note }),
  };
}

function fromZone(zone: TimeZone): LocalClock {
  return { toLocalMs: (t) => zone.utcToLocalMs(t), offsetLabel: (t) => label(zone.offsetAtMs(t)) };
}

/**
 * The first instant in (fromMs, toMs] whose offset differs from the offset at fromMs (binary search, exact to the ms).
 */
function transitionIn(zone: TimeZone, fromMs: number, toMs: number): number {
  const before = zone.offsetAtMs(fromMs);
  let lo = fromMs;
  let hi = toMs;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (zone.offsetAtMs(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

let zoneIds: readonly string[] | undefined;
const inferred = new Map<string, LocalClock>();

function inferClock(startMs: number, endMs: number, startOff: number, endOff: number): LocalClock {
  const key = `${startMs}|${endMs}|${startOff}|${endOff}`;
  const cached = inferred.get(key);
  if (cached !== undefined) return cached;
  zoneIds ??= Intl.supportedValuesOf('timeZone');
  const transitions = new Set<number>();
  for (const id of zoneIds) {
    const zone = createTimeZone(id);
    if (zone.offsetAtMs(startMs) !== startOff || zone.offsetAtMs(endMs) !== endOff) continue;
    transitions.add(transitionIn(zone, startMs, endMs));
    if (transitions.size > 1) break;
  }
  let clock: LocalClock;
  const [at] = [...transitions];
  if (transitions.size === 1 && at !== undefined) {
    clock = {
      toLocalMs: (t) => t + (t < at ? startOff : endOff),
      offsetLabel: (t) => label(t < at ? startOff : endOff),
    };
  } else {
    clock = fixed(
      0,
      'The clocks changed during this shift and the time zone is ' +
        'unknown: times are in UTC. Pass --time-zone for local times.',
    );
  }
  inferred.set(key, clock);
  return clock;
}

/** The clock of one shift instance. `timeZone`, when given, wins over the offsets in the summary. */
export function localClockFor(
  s: { startMs: number; endMs: number; startLocal: string; endLocal: string },
  timeZone?: TimeZone,
): LocalClock {
  if (timeZone !== undefined) return fromZone(timeZone);
  const a = parseOffsetMs(s.startLocal);
  const b = parseOffsetMs(s.endLocal);
  if (a === undefined || b === undefined) return fixed(0, 'The summaries carry no UTC offsets: times are in UTC.');
  if (a === b) return fixed(a);
  return inferClock(s.startMs, s.endMs, a, b);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 'HH:MM' of local wall ms. */
export function hhmm(localMs: number): string {
  const dayMs = ((localMs % 86_400_000) + 86_400_000) % 86_400_000;
  return `${pad2(Math.floor(dayMs / MS_PER_HOUR))}:${pad2(Math.floor((dayMs % MS_PER_HOUR) / 60_000))}`;
}

/** 'HH:MM:SS' of local wall ms. */
export function hhmmss(localMs: number): string {
  const dayMs = ((localMs % 86_400_000) + 86_400_000) % 86_400_000;
  return `${hhmm(localMs)}:${pad2(Math.floor((dayMs % 60_000) / 1000))}`;
}

const WEEKDAYS = ['Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue', 'Wed'] as const;

/** 'Sat 2026-03-28' of local wall ms (1970-01-01 was a Thursday). */
export function localDay(localMs: number): string {
  const days = Math.floor(localMs / 86_400_000);
  const iso = new Date(days * 86_400_000).toISOString().slice(0, 10);
  return `${WEEKDAYS[((days % 7) + 7) % 7]} ${iso}`;
}

/** Local instants of the full hours inside [startMs, endMs], as UTC ms. */
export function hourTicks(clock: LocalClock, startMs: number, endMs: number): number[] {
  const ticks: number[] = [];
  let t = startMs;
  for (let guard = 0; t <= endMs && guard < 1000; guard++) {
    const local = clock.toLocalMs(t);
    const rem = ((local % MS_PER_HOUR) + MS_PER_HOUR) % MS_PER_HOUR;
    const tick = rem === 0 ? t : t + (MS_PER_HOUR - rem);
    if (tick > endMs) break;
    ticks.push(tick);
    t = tick + MS_PER_HOUR;
  }
  return ticks;
}
