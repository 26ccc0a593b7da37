// The figures of one work center over a half-open range [startMs, endMs), computed from the
// machines' histories (semantics sections 2, 3, 4 and 7). Used for closing windows, for
// amendments and for early updates, so every path applies the same rules.
import { KIND_COUNTER, KIND_REASON, KIND_STATE, type HistEvent, type MachineHistory } from './history.js';
import type { StateCategory, StateInterval, WindowRef, WindowSummary } from './types.js';
import { STATE_CATEGORIES } from './types.js';

export interface WorkCenterView {
  readonly workCenterId: string;
  /** The designated state machine's history (undefined until it sends anything). */
  readonly stateMachine: MachineHistory | undefined;
  readonly stateSilenceTimeoutMs: number;
  /** Every machine of the work center that has a history. */
  readonly machines: readonly MachineHistory[];
  /** Named counters the work center's machines declare (other than good and scrap). */
  readonly otherCounterNames: readonly string[];
  readonly idealCycleTimeMs: number | null;
}

export interface Figures {
  readonly lengthMs: number;
  readonly plannedMs: number;
  readonly runtimeMs: number;
  readonly downtimeMs: number;
  readonly downtimeByReason: Record<string, number>;
  readonly timeByCategory: Record<StateCategory, number>;
  readonly goodCount: number;
  readonly scrapCount: number;
  readonly counts: Record<string, number>;
  readonly stateChanges: number;
  readonly firstEventMs: number | null;
  readonly lastEventMs: number | null;
  readonly samplesApplied: number;
  readonly lateSamples: number;
  readonly idealCycleTimeMs: number | null;
  readonly availability: number | null;
  readonly performance: number | null;
  readonly quality: number | null;
  readonly oee: number | null;
  readonly intervals: StateInterval[];
}

export const UNSPECIFIED_REASON = 'unspecified';

/** The reason of a `down` state: the state table's, else the latest reason tag value, else unspecified. */
function downReason(stateEv: HistEvent, reasonEv: HistEvent | undefined): string {
  if (stateEv.reason !== null && stateEv.reason !== UNSPECIFIED_REASON) return stateEv.reason;
  if (reasonEv !== undefined && reasonEv.reason !== null) return reasonEv.reason;
  return UNSPECIFIED_REASON;
}

/**
 * Merged state intervals of a machine over [startMs, endMs), plus the number of state changes
 * at instants t in [startMs, endMs) (the effective state at t differs from the one at t - 1).
 */
export function stateTimeline(
  m: MachineHistory | undefined,
  silenceTimeoutMs: number,
  startMs: number,
  endMs: number,
): { intervals: StateInterval[]; changes: number } {
  if (m === undefined || endMs <= startMs) {
    return { intervals: endMs > startMs ? [{ startMs, endMs, category: 'unknown', reason: null }] : [], changes: 0 };
  }
  const all = m.all;
  const first = m.lowerBound(startMs);
  // Anchors: the last state, reason and any sample strictly before startMs.
  let stateEv = m.lastStateBefore(startMs);
  let reasonEv = m.lastReasonBefore(startMs);
  let lastSeenMs = first > 0 ? all[first - 1]!.tsMs : -Infinity;
  const intervals: StateInterval[] = [];
  let changes = 0;
  // Effective state just before startMs (at startMs - 1).
  let trusted = stateEv !== undefined && startMs - 1 < lastSeenMs + silenceTimeoutMs;
  let curCat: StateCategory = trusted ? stateEv!.category! : 'unknown';
  let curReason: string | null = trusted && curCat === 'down' ? downReason(stateEv!, reasonEv) : null;
  let segStart = startMs;

  const transition = (atMs: number, cat: StateCategory, reason: string | null): void => {
    if (cat === curCat && reason === curReason) return;
    if (atMs > segStart) intervals.push({ startMs: segStart, endMs: atMs, category: curCat, reason: curReason });
    segStart = atMs;
    curCat = cat;
    curReason = reason;
    changes++;
  };

  let i = first;
  const n = all.length;
  while (true) {
    const nextTs = i < n && all[i]!.tsMs < endMs ? all[i]!.tsMs : Infinity;
    const expiry = trusted ? lastSeenMs + silenceTimeoutMs : Infinity;
    if (expiry < nextTs && expiry < endMs) {
      trusted = false;
      transition(expiry, 'unknown', null);
      continue;
    }
    if (nextTs === Infinity) break;
    // Apply every event at nextTs, then evaluate once.
    while (i < n && all[i]!.tsMs === nextTs) {
      const e = all[i]!;
      if (e.kind === KIND_STATE) stateEv = e;
      else if (e.kind === KIND_REASON) reasonEv = e;
      i++;
    }
    lastSeenMs = nextTs;
    if (stateEv !== undefined) {
      trusted = true;
      const cat = stateEv.category!;
      transition(nextTs, cat, cat === 'down' ? downReason(stateEv, reasonEv) : null);
    }
  }
  if (endMs > segStart) intervals.push({ startMs: segStart, endMs, category: curCat, reason: curReason });
  return { intervals, changes };
}

function emptyCategoryTimes(): Record<StateCategory, number> {
  return { running: 0, idle: 0, setup: 0, planned_stop: 0, down: 0, unknown: 0 };
}

function sortedRecord(map: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!;
  return out;
}

export function computeFigures(wc: WorkCenterView, startMs: number, endMs: number): Figures {
  const { intervals, changes } = stateTimeline(wc.stateMachine, wc.stateSilenceTimeoutMs, startMs, endMs);
  const timeByCategory = emptyCategoryTimes();
  const byReason = new Map<string, number>();
  for (const iv of intervals) {
    const d = iv.endMs - iv.startMs;
    timeByCategory[iv.category] += d;
    if (iv.category === 'down') {
      const r = iv.reason ?? UNSPECIFIED_REASON;
      byReason.set(r, (byReason.get(r) ?? 0) + d);
    }
  }
  let good = 0;
  let scrap = 0;
  const other = new Map<string, number>();
  for (const name of wc.otherCounterNames) other.set(name, 0);
  let samples = 0;
  let late = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  for (const m of wc.machines) {
    const all = m.all;
    for (let i = m.lowerBound(startMs); i < all.length; i++) {
      const e = all[i]!;
      if (e.tsMs >= endMs) break;
      samples++;
      if (e.late) late++;
      if (firstMs === null || e.tsMs < firstMs) firstMs = e.tsMs;
      if (lastMs === null || e.tsMs > lastMs) lastMs = e.tsMs;
      if (e.kind === KIND_COUNTER) {
        if (e.counter === 'good') good += e.inc;
        else if (e.counter === 'scrap') scrap += e.inc;
        else other.set(e.counter!, (other.get(e.counter!) ?? 0) + e.inc);
      }
    }
  }
  const lengthMs = endMs - startMs;
  const plannedMs = lengthMs - timeByCategory.planned_stop;
  const runtimeMs = timeByCategory.running;
  const ideal = wc.idealCycleTimeMs;
  let availability: number | null = null;
  let performance: number | null = null;
  let quality: number | null = null;
  let oee: number | null = null;
  if (ideal !== null) {
    availability = plannedMs > 0 ? runtimeMs / plannedMs : null;
    performance = runtimeMs > 0 ? (ideal * (good + scrap)) / runtimeMs : null;
    quality = good + scrap > 0 ? good / (good + scrap) : null;
    oee = availability !== null && performance !== null && quality !== null ? availability * performance * quality : null;
  }
  return {
    lengthMs,
    plannedMs,
    runtimeMs,
    downtimeMs: timeByCategory.down,
    downtimeByReason: sortedRecord(byReason),
    timeByCategory,
    goodCount: good,
    scrapCount: scrap,
    counts: sortedRecord(other),
    stateChanges: changes,
    firstEventMs: firstMs,
    lastEventMs: lastMs,
    samplesApplied: samples,
    lateSamples: late,
    idealCycleTimeMs: ideal,
    availability,
    performance,
    quality,
    oee,
    intervals,
  };
}

export function toSummary(
  plantId: string,
  workCenterId: string,
  ref: WindowRef,
  figures: Figures,
  revision: number,
  final: boolean,
  formatLocal: (utcMs: number) => string,
): WindowSummary {
  // Key order is fixed here so serialized summaries are byte-identical across runs.
  return {
    plantId,
    workCenterId,
    windowKind: ref.kind,
    windowName: ref.name,
    windowId: ref.windowId,
    shiftName: ref.shiftName ?? null,
    startMs: ref.startMs,
    endMs: ref.endMs,
    startLocal: formatLocal(ref.startMs),
    endLocal: formatLocal(ref.endMs),
    revision,
    final,
    lengthMs: figures.lengthMs,
    plannedMs: figures.plannedMs,
    runtimeMs: figures.runtimeMs,
    downtimeMs: figures.downtimeMs,
    downtimeByReason: figures.downtimeByReason,
    timeByCategory: figures.timeByCategory,
    goodCount: figures.goodCount,
    scrapCount: figures.scrapCount,
    counts: figures.counts,
    stateChanges: figures.stateChanges,
    firstEventMs: figures.firstEventMs,
    lastEventMs: figures.lastEventMs,
    samplesApplied: figures.samplesApplied,
    lateSamples: figures.lateSamples,
    idealCycleTimeMs: figures.idealCycleTimeMs,
    availability: figures.availability,
    performance: figures.performance,
    quality: figures.quality,
    oee: figures.oee,
    intervals: figures.intervals,
  };
}

/** True when two figure sets differ in anything a reader sees (used to decide on amendments). */
export function figuresDiffer(a: Figures, b: Figures): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}

export { STATE_CATEGORIES };
