// Window assignment as pure functions of integer epoch ms. Every window is half-open [startMs, endMs).
// Time windows are aligned to the epoch (1970-01-01T00:00:00Z): a tumbling window of size S starts at
// every multiple of S, a hopping window of size S and advance A at every multiple of A. Shift windows
// come from a shift calendar (see shifts.ts).
import { TopologyError } from '../errors.js';
import type { WindowSpec } from './plan.js';
import type { ShiftCalendar } from './shifts.js';
import { formatUtcIso } from './time-zone.js';
import type { WindowRef } from './types.js';

const DAY_MS = 86_400_000;

/** The start of the tumbling window containing tsMs: floor to a multiple of sizeMs (negative ts too). */
export function tumblingStartMs(tsMs: number, sizeMs: number): number {
  const rem = tsMs % sizeMs;
  return rem < 0 ? tsMs - rem - sizeMs : tsMs - rem;
}

/** The starts of every hopping window containing tsMs, ascending. */
export function hoppingWindowStartsMs(tsMs: number, sizeMs: number, advanceMs: number): number[] {
  const starts: number[] = [];
  const last = tumblingStartMs(tsMs, advanceMs);
  let start = last;
  while (start > tsMs - sizeMs) start -= advanceMs;
  for (start += advanceMs; start <= last; start += advanceMs) starts.push(start);
  return starts;
}

function checkTimeSpec(spec: WindowSpec): void {
  if (spec.kind === 'shift') return;
  const ok = Number.isSafeInteger(spec.sizeMs) && spec.sizeMs > 0;
  if (!ok) {
    throw new TopologyError(
      'SHIFTSTREAM_TOPOLOGY_INVALID',
      `window "${spec.name}": expected sizeMs to be a positive integer, found ${spec.sizeMs}`,
    );
  }
  if (
    spec.kind === 'hopping' &&
    !(Number.isSafeInteger(spec.advanceMs) && spec.advanceMs > 0 && spec.advanceMs <= spec.sizeMs)
  ) {
    throw new TopologyError(
      'SHIFTSTREAM_TOPOLOGY_INVALID',
      `window "${spec.name}": expected advanceMs to be a positive integer ` +
        `no larger than sizeMs (${spec.sizeMs}), found ${spec.advanceMs}`,
    );
  }
}

function requireCalendar(spec: WindowSpec, calendar: ShiftCalendar | undefined): ShiftCalendar {
  if (calendar === undefined) {
    throw new TopologyError(
      'SHIFTSTREAM_TOPOLOGY_INVALID',
      `window "${spec.name}": expected a shift calendar for a shift window, found none`,
    );
  }
  return calendar;
}

function timeRef(spec: WindowSpec & { kind: 'tumbling' | 'hopping' }, startMs: number): WindowRef {
  return { kind: spec.kind, name: spec.name, windowId: formatUtcIso(startMs), startMs, endMs: startMs + spec.sizeMs };
}

/** Every window of the spec intersecting [fromMs, toMs), ascending by start. Empty when toMs <= fromMs. */
export function windowRefsOverlapping(
  spec: WindowSpec,
  fromMs: number,
  toMs: number,
  calendar?: ShiftCalendar,
): WindowRef[] {
  checkTimeSpec(spec);
  const refs: WindowRef[] = [];
  if (!(toMs > fromMs)) return refs;
  switch (spec.kind) {
    case 'tumbling':
      for (let start = tumblingStartMs(fromMs, spec.sizeMs); start < toMs; start += spec.sizeMs)
        refs.push(timeRef(spec, start));
      return refs;
    case 'hopping':
      // The first start whose window reaches past fromMs: the smallest multiple of advance > fromMs - size.
      for (
        let start = tumblingStartMs(fromMs - spec.sizeMs, spec.advanceMs) + spec.advanceMs;
        start < toMs;
        start += spec.advanceMs
      ) {
        refs.push(timeRef(spec, start));
      }
      return refs;
    case 'shift':
      for (const inst of requireCalendar(spec, calendar).instancesOverlapping(fromMs, toMs)) {
        refs.push({
          kind: 'shift',
          name: spec.name,
          windowId: inst.shiftId,
          startMs: inst.startMs,
          endMs: inst.endMs,
          shiftName: inst.name,
        });
      }
      return refs;
  }
}

/** Every window of the spec containing tsMs, ascending by start (one tumbling, size/advance hopping, 0 or 1 shift). */
export function windowRefsContaining(spec: WindowSpec, tsMs: number, calendar?: ShiftCalendar): WindowRef[] {
  checkTimeSpec(spec);
  switch (spec.kind) {
    case 'tumbling':
      return [timeRef(spec, tumblingStartMs(tsMs, spec.sizeMs))];
    case 'hopping':
      return hoppingWindowStartsMs(tsMs, spec.sizeMs, spec.advanceMs).map((start) => timeRef(spec, start));
    case 'shift': {
      const inst = requireCalendar(spec, calendar).instanceAt(tsMs);
      return inst === undefined
        ? []
        : [
            {
              kind: 'shift',
              name: spec.name,
              windowId: inst.shiftId,
              startMs: inst.startMs,
              endMs: inst.endMs,
              shiftName: inst.name,
            },
          ];
    }
  }
}

/**
 * The window of the spec with the smallest end > afterMs (ties: the earliest start), or undefined
 * when there is none (a shift calendar with no shift in the next 800 days).
 */
export function nextWindowEndingAfter(
  spec: WindowSpec,
  afterMs: number,
  calendar?: ShiftCalendar,
): WindowRef | undefined {
  checkTimeSpec(spec);
  switch (spec.kind) {
    case 'tumbling':
      return timeRef(spec, tumblingStartMs(afterMs, spec.sizeMs));
    case 'hopping':
      // The smallest multiple of advance > afterMs - size.
      return timeRef(spec, tumblingStartMs(afterMs - spec.sizeMs, spec.advanceMs) + spec.advanceMs);
    case 'shift': {
      const cal = requireCalendar(spec, calendar);
      for (let span = 7 * DAY_MS; span <= 800 * DAY_MS; span *= 4) {
        const found = cal.instancesOverlapping(afterMs, afterMs + span).find((s) => s.endMs > afterMs);
        if (found !== undefined) {
          return {
            kind: 'shift',
            name: spec.name,
            windowId: found.shiftId,
            startMs: found.startMs,
            endMs: found.endMs,
            shiftName: found.name,
          };
        }
      }
      return undefined;
    }
  }
}
