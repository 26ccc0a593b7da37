// What happens when a replay's input ends: the natural watermark (highest ts - out-of-orderness)
// closes what it closes; `--flush` moves it far enough to close every window that contains a
// sample. Both are plain watermarks, so the batch reference computes the same set of windows.
import type { PlantPlan, WindowSpec } from '../core/plan.js';
import type { ShiftCalendar } from '../core/shifts.js';
import { tumblingStartMs, windowRefsOverlapping } from '../core/windows.js';

const DAY_MS = 86_400_000;

/** The end of the last window of `spec` that starts at or before tsMs (undefined: none). */
function lastEndCovering(spec: WindowSpec, tsMs: number, calendar: ShiftCalendar | undefined): number | undefined {
  switch (spec.kind) {
    case 'tumbling':
      return tumblingStartMs(tsMs, spec.sizeMs) + spec.sizeMs;
    case 'hopping':
      return tumblingStartMs(tsMs, spec.advanceMs) + spec.sizeMs;
    case 'shift': {
      let end: number | undefined;
      for (const w of windowRefsOverlapping(spec, tsMs - 2 * DAY_MS, tsMs + 1, calendar)) {
        if (w.startMs <= tsMs && (end === undefined || w.endMs > end)) end = w.endMs;
      }
      return end;
    }
  }
}

/**
 * The watermark of `--flush`: every window (of every spec) starting at or before the last
 * sample's ts ends by then, plus the grace. Windows of shorter specs that start after the last
 * sample but end before it are closed too (they hold `unknown` time after the silence timeout).
 */
export function flushWatermarkMs(plan: PlantPlan, maxTsMs: number, calendar: ShiftCalendar | undefined): number {
  let end = maxTsMs + 1;
  for (const spec of plan.windows) {
    const e = lastEndCovering(spec, maxTsMs, calendar);
    if (e !== undefined && e > end) end = e;
  }
  return end + plan.eventTime.graceMs;
}

export interface OpenWindows {
  /** Per window spec name: summaries (window x work center) that stayed open. */
  readonly byWindow: Readonly<Record<string, number>>;
  readonly total: number;
}

/**
 * Summaries not emitted because their window is still open at the final watermark: windows with
 * end + grace > watermark that start at or before the last sample, times the work centers whose
 * first sample precedes the window's end (the processor's rule for emitting a summary).
 */
export function openWindows(
  plan: PlantPlan,
  watermarkMs: number,
  maxTsMs: number,
  firstTsByWorkCenter: ReadonlyMap<string, number>,
  calendar: ShiftCalendar | undefined,
): OpenWindows {
  const byWindow: Record<string, number> = {};
  let total = 0;
  if (!Number.isFinite(maxTsMs) || firstTsByWorkCenter.size === 0) return { byWindow, total };
  let minFirst = Infinity;
  for (const t of firstTsByWorkCenter.values()) minFirst = Math.min(minFirst, t);
  const from = Math.max(watermarkMs - plan.eventTime.graceMs, minFirst);
  for (const spec of plan.windows) {
    let n = 0;
    for (const w of windowRefsOverlapping(spec, from, maxTsMs + 1, calendar)) {
      if (w.endMs + plan.eventTime.graceMs <= watermarkMs) continue;
      for (const first of firstTsByWorkCenter.values()) if (first < w.endMs) n++;
    }
    byWindow[spec.name] = n;
    total += n;
  }
  return { byWindow, total };
}
