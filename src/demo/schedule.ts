// When a demo run starts and ends. It starts WARM_UP_MS before a shift of the plant's calendar,
// so the machines have reported their states when that shift begins and the first shift of the
// report is a whole one; a bounded run ends after a number of whole shifts or a simulated duration.
import { createShiftCalendar, type ShiftInstance } from '../core/shifts.js';
import { createTimeZone, MS_PER_DAY, parseLocalDate } from '../core/time-zone.js';
import { UsageError } from '../errors.js';
import type { TopologyPlan } from '../topology/types.js';

/** Simulated time before the first whole shift (also gives the short windows a head start). */
export const WARM_UP_MS = 10 * 60_000;
/** The default start day: this many days before today. */
export const DEFAULT_DAYS_BACK = 7;
const SEARCH_DAYS = 366;

export interface DemoSchedule {
  /** Where the simulation starts: WARM_UP_MS before `firstShift`. */
  readonly startMs: number;
  /** The first shift that the simulation covers whole. */
  readonly firstShift: ShiftInstance;
  /** With a shift count: the last of those whole shifts; its close ends the run. */
  readonly lastShift?: ShiftInstance;
}

/** Local midnight (in the plant's zone) of a `YYYY-MM-DD` date; undefined when it is not one. */
export function localMidnightMs(topology: TopologyPlan, date: string): number | undefined {
  const days = parseLocalDate(date);
  return days === undefined ? undefined : createTimeZone(topology.plant.timeZone).localToUtcMs(days * MS_PER_DAY);
}

/** Local midnight of the day DEFAULT_DAYS_BACK days before `nowMs`. */
export function defaultDemoFrom(topology: TopologyPlan, nowMs: number): number {
  const zone = createTimeZone(topology.plant.timeZone);
  const day = zone.localDate(nowMs - DEFAULT_DAYS_BACK * MS_PER_DAY);
  return localMidnightMs(topology, day) ?? nowMs - DEFAULT_DAYS_BACK * MS_PER_DAY;
}

/** Shift instances starting at or after `fromMs`, ascending, until `count` are found (within a year). */
function shiftsFrom(topology: TopologyPlan, fromMs: number, count: number): ShiftInstance[] {
  const calendar = createShiftCalendar(topology.plant.calendar);
  const found: ShiftInstance[] = [];
  const stepMs = 8 * MS_PER_DAY;
  for (let t = fromMs; found.length < count && t < fromMs + SEARCH_DAYS * MS_PER_DAY; t += stepMs) {
    for (const s of calendar.instancesOverlapping(t, t + stepMs)) {
      if (s.startMs >= t && s.startMs < t + stepMs && found.length < count) found.push(s);
    }
  }
  return found;
}

/**
 * The run of a demo from `fromMs` on: the first shift starting at or after it, the start
 * WARM_UP_MS earlier and, with `shifts`, the last of that many consecutive whole shifts.
 */
export function planDemo(topology: TopologyPlan, fromMs: number, shifts?: number): DemoSchedule {
  const plantId = topology.plant.plantId;
  if (shifts !== undefined && !topology.plant.windows.some((w) => w.kind === 'shift')) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `demo --shifts: expected the topology of ${plantId} to compute shift windows ` +
        `(windows: - { kind: shift }), found none`,
    );
  }
  const list = shiftsFrom(topology, fromMs, shifts ?? 1);
  const first = list[0];
  if (first === undefined || (shifts !== undefined && list.length < shifts)) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `demo: expected ${shifts ?? 1} shift(s) in the calendar of ${plantId} within ${SEARCH_DAYS} days ` +
        `after ${new Date(fromMs).toISOString()}, found ${list.length}`,
    );
  }
  const last = shifts === undefined ? undefined : list[list.length - 1];
  return { startMs: first.startMs - WARM_UP_MS, firstShift: first, ...(last === undefined ? {} : { lastShift: last }) };
}
