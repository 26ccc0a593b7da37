// Groups shift summaries into plants and shift instances for rendering, in a stable order:
// plants by id, shifts by start time, work centers by id.
import type { StateCategory, WindowSummary } from '../core/types.js';

export interface ShiftGroup {
  readonly plantId: string;
  readonly windowId: string;
  readonly shiftName: string | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly startLocal: string;
  readonly endLocal: string;
  readonly workCenters: readonly WindowSummary[];
}

export interface PlantGroup {
  readonly plantId: string;
  readonly shifts: readonly ShiftGroup[];
}

export function groupSummaries(summaries: readonly WindowSummary[]): PlantGroup[] {
  const plants = new Map<string, Map<string, WindowSummary[]>>();
  for (const s of summaries) {
    let shifts = plants.get(s.plantId);
    if (shifts === undefined) plants.set(s.plantId, (shifts = new Map<string, WindowSummary[]>()));
    let list = shifts.get(s.windowId);
    if (list === undefined) shifts.set(s.windowId, (list = []));
    list.push(s);
  }
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...plants.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([plantId, shifts]) => ({
      plantId,
      shifts: [...shifts.values()]
        .map((list) => {
          const wcs = [...list].sort((a, b) => byText(a.workCenterId, b.workCenterId));
          const first = wcs[0]!;
          return {
            plantId,
            windowId: first.windowId,
            shiftName: first.shiftName,
            startMs: Math.min(...wcs.map((w) => w.startMs)),
            endMs: Math.max(...wcs.map((w) => w.endMs)),
            startLocal: first.startLocal,
            endLocal: first.endLocal,
            workCenters: wcs,
          };
        })
        .sort((a, b) => a.startMs - b.startMs || byText(a.windowId, b.windowId)),
    }));
}

export interface ReasonTotal {
  readonly reason: string;
  readonly totalMs: number;
  /** Per work center, largest first. */
  readonly byWorkCenter: ReadonlyArray<{ readonly workCenterId: string; readonly ms: number }>;
}

/** Downtime per reason over the shift's work centers, largest first (ties by name). */
export function downtimeByReason(shift: ShiftGroup): ReasonTotal[] {
  const totals = new Map<string, Map<string, number>>();
  for (const wc of shift.workCenters) {
    for (const [reason, ms] of Object.entries(wc.downtimeByReason)) {
      if (ms <= 0) continue;
      let m = totals.get(reason);
      if (m === undefined) totals.set(reason, (m = new Map<string, number>()));
      m.set(wc.workCenterId, (m.get(wc.workCenterId) ?? 0) + ms);
    }
  }
  return [...totals.entries()]
    .map(([reason, m]) => ({
      reason,
      totalMs: [...m.values()].reduce((a, b) => a + b, 0),
      byWorkCenter: [...m.entries()].map(([workCenterId, ms]) => ({ workCenterId, ms })).sort((a, b) => b.ms - a.ms),
    }))
    .sort((a, b) => b.totalMs - a.totalMs || (a.reason < b.reason ? -1 : 1));
}

/** Time per category over all the shift's work centers. */
export function timeByCategory(shift: ShiftGroup): Record<StateCategory, number> {
  const out: Record<StateCategory, number> = { running: 0, idle: 0, setup: 0, planned_stop: 0, down: 0, unknown: 0 };
  for (const wc of shift.workCenters)
    for (const k of Object.keys(out) as StateCategory[]) out[k] += wc.timeByCategory[k] ?? 0;
  return out;
}
