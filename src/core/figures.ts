// The figures of one work center over a half-open range [startMs, endMs), computed from the
// machines' histories (docs/semantics.md sections 2, 3, 4 and 7). Used for closing windows, for
// amendments and for early updates, so every path applies the same rules.
import {
  INFO_LATE,
  INFO_ORDER_SHIFT,
  KIND_COUNTER,
  KIND_MASK,
  KIND_REASON,
  KIND_STATE,
  ROLE_GOOD,
  ROLE_INSPECTION_FAILED,
  ROLE_INSPECTION_PASSED,
  ROLE_OTHER,
  ROLE_SCRAP,
  stateCategory,
  type MachineHistory,
} from './history.js';
import { applyPlanned, overlapsAny, type Span } from './planned-maintenance.js';
import type { OrderIds, OrderSegment } from './attribution.js';
import type { OrderSource, OrderSummary, StateCategory, StateInterval, WindowRef, WindowSummary } from './types.js';
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
  /** Order tagging: the figures carry `orders` (the events' running orders). */
  readonly orders: boolean;
  /** Planned maintenance spans (section 12): sorted, disjoint; empty when none. */
  readonly planned: readonly Span[];
}

/** What a window's figures are: the summary without its identity, bounds, local times and revision. */
export type Figures = Omit<
  WindowSummary,
  | 'plantId'
  | 'workCenterId'
  | 'windowKind'
  | 'windowName'
  | 'windowId'
  | 'shiftName'
  | 'startMs'
  | 'endMs'
  | 'startLocal'
  | 'endLocal'
  | 'revision'
  | 'final'
>;

export const UNSPECIFIED_REASON = 'unspecified';

/**
 * Reusable scratch of computeFigures (one per processor): downtime per reason and named counts
 * as parallel key/value arrays, so a summary costs no Map and no closure.
 */
export class FiguresScratch {
  readonly reasonKeys: string[] = [];
  readonly reasonVals: number[] = [];
  readonly countKeys: string[] = [];
  readonly countVals: number[] = [];
  /** Distinct running-order string ids of the events in the range (order tagging only). */
  readonly orderIds: number[] = [];
  /** Sums per counter role (ROLE_GOOD .. ROLE_INSPECTION_FAILED; ROLE_OTHER's slot stays 0). */
  readonly roles: number[] = newRoleSums();
}

/** One slot per counter role, indexed by the role itself (history.ts). */
function newRoleSums(): number[] {
  return [0, 0, 0, 0, 0];
}

function clearRoleSums(roles: number[]): void {
  for (let r = 0; r < roles.length; r++) roles[r] = 0;
}

/** The reason of a `down` state: the state table's, else the latest reason tag value, else unspecified. */
function downReason(m: MachineHistory, stateIdx: number, reasonIdx: number): string {
  const strings = m.dict.strings;
  const sr = m.payAt(stateIdx) >> 3;
  if (sr !== 0) {
    const r = strings[sr - 1]!;
    if (r !== UNSPECIFIED_REASON) return r;
  }
  if (reasonIdx >= 0) {
    const rr = m.payAt(reasonIdx);
    if (rr !== 0) return strings[rr - 1]!;
  }
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
  /** When given, receives the instant of each counted state change (order attribution). */
  changesAt?: number[],
  /** Planned maintenance spans of the work center (section 12), sorted and disjoint. */
  planned: readonly Span[] = NO_SPANS,
): { intervals: StateInterval[]; changes: number } {
  if (planned.length === 0 || endMs <= startMs || !overlapsAny(planned, startMs - 1, endMs))
    return baseTimeline(m, silenceTimeoutMs, startMs, endMs, changesAt);
  // From one ms earlier, so that a change at startMs is seen after the rule is applied.
  const all = applyPlanned(baseTimeline(m, silenceTimeoutMs, startMs - 1, endMs).intervals, planned);
  const intervals: StateInterval[] = [];
  let changes = 0;
  for (let k = 0; k < all.length; k++) {
    const iv = all[k]!;
    if (iv.endMs <= startMs) continue;
    if (iv.startMs >= startMs && k > 0) {
      changes++;
      if (changesAt !== undefined) changesAt.push(iv.startMs);
    }
    intervals.push(iv.startMs < startMs ? { ...iv, startMs } : iv);
  }
  return { intervals, changes };
}

const NO_SPANS: readonly Span[] = [];

function baseTimeline(
  m: MachineHistory | undefined,
  silenceTimeoutMs: number,
  startMs: number,
  endMs: number,
  changesAt?: number[],
): { intervals: StateInterval[]; changes: number } {
  if (m === undefined || endMs <= startMs) {
    return { intervals: endMs > startMs ? [{ startMs, endMs, category: 'unknown', reason: null }] : [], changes: 0 };
  }
  const first = m.lowerBound(startMs);
  // Anchors: the last state, reason and any sample strictly before startMs.
  let stateIdx = m.lastStateBefore(startMs);
  let reasonIdx = m.lastReasonBefore(startMs);
  let lastSeenMs = first > 0 ? m.tsAt(first - 1) : -Infinity;
  const intervals: StateInterval[] = [];
  let changes = 0;
  // Effective state just before startMs (at startMs - 1).
  let trusted = stateIdx >= 0 && startMs - 1 < lastSeenMs + silenceTimeoutMs;
  let curCat: StateCategory = trusted ? stateCategory(m.payAt(stateIdx)) : 'unknown';
  let curReason: string | null = trusted && curCat === 'down' ? downReason(m, stateIdx, reasonIdx) : null;
  let segStart = startMs;

  let i = first;
  const n = m.n;
  for (;;) {
    const t = i < n ? m.tsAt(i) : Infinity;
    const nextTs = t < endMs ? t : Infinity;
    const expiry = trusted ? lastSeenMs + silenceTimeoutMs : Infinity;
    let atMs: number;
    let cat: StateCategory;
    let reason: string | null;
    if (expiry < nextTs && expiry < endMs) {
      trusted = false;
      atMs = expiry;
      cat = 'unknown';
      reason = null;
    } else {
      if (nextTs === Infinity) break;
      // Apply every event at nextTs, then evaluate once.
      while (i < n && m.tsAt(i) === nextTs) {
        const kind = m.kindAt(i);
        if (kind === KIND_STATE) stateIdx = i;
        else if (kind === KIND_REASON) reasonIdx = i;
        i++;
      }
      lastSeenMs = nextTs;
      if (stateIdx < 0) continue;
      trusted = true;
      atMs = nextTs;
      cat = stateCategory(m.payAt(stateIdx));
      reason = cat === 'down' ? downReason(m, stateIdx, reasonIdx) : null;
    }
    if (cat === curCat && reason === curReason) continue;
    if (atMs > segStart) intervals.push({ startMs: segStart, endMs: atMs, category: curCat, reason: curReason });
    segStart = atMs;
    curCat = cat;
    curReason = reason;
    changes++;
    if (changesAt !== undefined) changesAt.push(atMs);
  }
  if (endMs > segStart) intervals.push({ startMs: segStart, endMs, category: curCat, reason: curReason });
  return { intervals, changes };
}

/** Adds v under key k (parallel arrays, first-seen order). */
function addTo(keys: string[], vals: number[], k: string, v: number): void {
  for (let j = 0; j < keys.length; j++) {
    if (keys[j] === k) {
      vals[j]! += v;
      return;
    }
  }
  keys.push(k);
  vals.push(v);
}

/** The record of the parallel arrays with keys in sorted order (what `[...keys].sort()` gives). */
function sortedRecord(keys: string[], vals: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  const n = keys.length;
  if (n === 0) return out;
  let sorted = true;
  for (let j = 1; j < n; j++) if (!(keys[j - 1]! < keys[j]!)) sorted = false;
  if (sorted) {
    for (let j = 0; j < n; j++) out[keys[j]!] = vals[j]!;
    return out;
  }
  const order = keys.map((_, j) => j).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  for (const j of order) out[keys[j]!] = vals[j]!;
  return out;
}

const DEFAULT_SCRATCH = new FiguresScratch();

export function computeFigures(
  wc: WorkCenterView,
  startMs: number,
  endMs: number,
  scratch: FiguresScratch = DEFAULT_SCRATCH,
  /** When given, receives the instant of each state change (see stateTimeline). */
  changesAt?: number[],
): Figures {
  const timeline = stateTimeline(wc.stateMachine, wc.stateSilenceTimeoutMs, startMs, endMs, changesAt, wc.planned);
  const roles = scratch.roles;
  clearRoleSums(roles);
  const countKeys = scratch.countKeys;
  const countVals = scratch.countVals;
  resetCounts(wc, countKeys, countVals);
  let samples = 0;
  let late = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  const collectOrders = wc.orders;
  const orderIds = scratch.orderIds;
  orderIds.length = 0;
  const machines = wc.machines;
  for (let mi = 0; mi < machines.length; mi++) {
    const m = machines[mi]!;
    const lo = m.lowerBound(startMs);
    const hi = lo < m.n && m.tsAt(lo) < endMs ? m.lowerBound(endMs) : lo;
    if (hi === lo) continue;
    samples += hi - lo;
    const firstTs = m.tsAt(lo);
    const lastTs = m.tsAt(hi - 1);
    if (firstMs === null || firstTs < firstMs) firstMs = firstTs;
    if (lastMs === null || lastTs > lastMs) lastMs = lastTs;
    const counters = m.dict.counters;
    for (let i = lo; i < hi; i++) {
      const flags = m.infoAt(i);
      if (flags & INFO_LATE) late++;
      if (collectOrders && flags >>> INFO_ORDER_SHIFT !== 0) addOrderId(orderIds, (flags >>> INFO_ORDER_SHIFT) - 1);
      if ((flags & KIND_MASK) !== KIND_COUNTER) continue;
      const spec = counters[m.payAt(i)]!;
      const inc = m.incAt(i);
      if (spec.role === ROLE_OTHER) addTo(countKeys, countVals, spec.name, inc);
      else roles[spec.role]! += inc;
    }
  }
  return assembleFigures(wc, startMs, endMs, timeline, scratch, samples, late, firstMs, lastMs);
}

/** The named counters of the work center at 0, in the fixed order every summary lists them. */
function resetCounts(wc: WorkCenterView, countKeys: string[], countVals: number[]): void {
  countKeys.length = 0;
  countVals.length = 0;
  const names = wc.otherCounterNames;
  for (let k = 0; k < names.length; k++) {
    countKeys.push(names[k]!);
    countVals.push(0);
  }
}

/**
 * The figures of [startMs, endMs) from its state timeline and the sums of its rows (per role in
 * `scratch.roles`, named counts in `scratch.countKeys/countVals`, running orders in
 * `scratch.orderIds`).
 */
function assembleFigures(
  wc: WorkCenterView,
  startMs: number,
  endMs: number,
  timeline: { intervals: StateInterval[]; changes: number },
  scratch: FiguresScratch,
  samples: number,
  late: number,
  firstMs: number | null,
  lastMs: number | null,
): Figures {
  const { intervals, changes } = timeline;
  const good = scratch.roles[ROLE_GOOD]!;
  const scrap = scratch.roles[ROLE_SCRAP]!;
  let tRunning = 0;
  let tIdle = 0;
  let tSetup = 0;
  let tPlanned = 0;
  let tDown = 0;
  let tUnknown = 0;
  const reasonKeys = scratch.reasonKeys;
  const reasonVals = scratch.reasonVals;
  reasonKeys.length = 0;
  reasonVals.length = 0;
  for (let k = 0; k < intervals.length; k++) {
    const iv = intervals[k]!;
    const d = iv.endMs - iv.startMs;
    switch (iv.category) {
      case 'running':
        tRunning += d;
        break;
      case 'idle':
        tIdle += d;
        break;
      case 'setup':
        tSetup += d;
        break;
      case 'planned_stop':
        tPlanned += d;
        break;
      case 'down':
        tDown += d;
        addTo(reasonKeys, reasonVals, iv.reason ?? UNSPECIFIED_REASON, d);
        break;
      default:
        tUnknown += d;
    }
  }
  const timeByCategory: Record<StateCategory, number> = {
    running: tRunning,
    idle: tIdle,
    setup: tSetup,
    planned_stop: tPlanned,
    down: tDown,
    unknown: tUnknown,
  };
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
    oee =
      availability !== null && performance !== null && quality !== null ? availability * performance * quality : null;
  }
  // `orders` is always a key (undefined when off): one object shape either way. A spread to add it
  // afterwards (here and in toSummary) cost a third of a tagged run's ingest time (CPU profile of
  // bench/core.mjs's stream with tags: +43% over untagged; with the key: +3%).
  return {
    lengthMs,
    plannedMs,
    runtimeMs,
    downtimeMs: timeByCategory.down,
    downtimeByReason: sortedRecord(reasonKeys, reasonVals),
    timeByCategory,
    goodCount: good,
    scrapCount: scrap,
    counts: sortedRecord(scratch.countKeys, scratch.countVals),
    inspectionsPassed: scratch.roles[ROLE_INSPECTION_PASSED]!,
    inspectionsFailed: scratch.roles[ROLE_INSPECTION_FAILED]!,
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
    orders: wc.orders ? orderNames(scratch.orderIds, wc.machines) : undefined,
  };
}

/** The names of the order ids, sorted (ids index the processor's shared dictionary). */
function orderNames(ids: readonly number[], machines: readonly MachineHistory[]): string[] {
  const names: string[] = [];
  if (ids.length === 0) return names;
  const strings = machines[0]!.dict.strings;
  for (let j = 0; j < ids.length; j++) names.push(strings[ids[j]!]!);
  return names.sort();
}

/** Adds a string id to a short list of distinct ids (a window rarely sees more than a few orders). */
function addOrderId(ids: number[], id: number): void {
  for (let j = 0; j < ids.length; j++) if (ids[j] === id) return;
  ids.push(id);
}

export function toSummary(
  plantId: string,
  workCenterId: string,
  ref: WindowRef,
  figures: Figures,
  revision: number,
  final: boolean,
  startLocal: string,
  endLocal: string,
): WindowSummary {
  // Key order is fixed here so serialized summaries are byte-identical across runs; `orders`
  // (order tagging only) comes last and is undefined otherwise, which JSON and the Avro codec leave
  // out, so untagged summaries serialize as they did before it existed.
  return {
    plantId,
    workCenterId,
    windowKind: ref.kind,
    windowName: ref.name,
    windowId: ref.windowId,
    shiftName: ref.shiftName ?? null,
    startMs: ref.startMs,
    endMs: ref.endMs,
    startLocal,
    endLocal,
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
    inspectionsPassed: figures.inspectionsPassed,
    inspectionsFailed: figures.inspectionsFailed,
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
    orders: figures.orders,
  };
}

/** True when two figure sets differ in anything a reader sees (used to decide on amendments). */
export function figuresDiffer(a: Figures, b: Figures): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}

export { STATE_CATEGORIES };

/** One order's share of a shift (docs/semantics.md section 11). */
export interface ShareFigures {
  /** null: the "no order" share. */
  readonly ref: string | null;
  /** A plant signal named the order somewhere in the shift. */
  readonly plant: boolean;
  readonly figures: Figures;
  /** The order's Odoo ids (what `idsOf` gave for `ref`). */
  readonly ids: OrderIds;
}

export interface AttributedFigures {
  /** The shift's figures: computeFigures' with the intervals split at order changes and annotated. */
  readonly figures: Figures;
  /** One per order with time in the shift: "no order" first, then by reference. */
  readonly shares: ShareFigures[];
}

interface ShareAcc {
  readonly ref: string | null;
  readonly ids: OrderIds;
  plant: boolean;
  lengthMs: number;
  readonly times: number[];
  readonly reasonKeys: string[];
  readonly reasonVals: number[];
  /** Sums per counter role, as FiguresScratch.roles. */
  readonly roles: number[];
  readonly countKeys: string[];
  readonly countVals: number[];
  changes: number;
  firstMs: number | null;
  lastMs: number | null;
  samples: number;
  late: number;
  readonly intervals: StateInterval[];
}

/** Index of the segment containing t (segments cover the range without gaps, ascending). */
function segmentAt(segs: readonly OrderSegment[], t: number): number {
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segs[mid]!.startMs <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Index of a category in STATE_CATEGORIES (a switch: no string search per interval piece). */
function categoryIndex(c: StateCategory): number {
  switch (c) {
    case 'running':
      return 0;
    case 'idle':
      return 1;
    case 'setup':
      return 2;
    case 'planned_stop':
      return 3;
    case 'down':
      return 4;
    default:
      return 5;
  }
}

function compareShares(a: ShareAcc, b: ShareAcc): number {
  return a.ref === b.ref ? 0 : a.ref === null ? -1 : b.ref === null ? 1 : a.ref < b.ref ? -1 : 1;
}

/**
 * Order attribution of one shift [startMs, endMs) of a work center (section 11): the shift's
 * figures with intervals split at the order changes of `segs` (which cover the range), and each
 * order's share: every millisecond, state change and sample belongs to the order running at its
 * instant. The shares add up exactly to the shift figures.
 *
 * One pass over the rows gives both the shift's sums and each segment's (issue 10's cost bound: a
 * second pass made attributed shifts cost twice a plain one). The shift's sums are added in the
 * same order as computeFigures adds them, so they are the same numbers to the last bit.
 */
export function computeAttributedFigures(
  wc: WorkCenterView,
  startMs: number,
  endMs: number,
  segs: readonly OrderSegment[],
  idsOf: (ref: string | null) => OrderIds,
  scratch: FiguresScratch = DEFAULT_SCRATCH,
): AttributedFigures {
  const changesAt: number[] = [];
  const timeline = stateTimeline(wc.stateMachine, wc.stateSilenceTimeoutMs, startMs, endMs, changesAt, wc.planned);
  const intervals = timeline.intervals;
  const accs: ShareAcc[] = [];
  const segAcc: ShareAcc[] = [];
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k]!;
    let acc: ShareAcc | undefined;
    for (let j = 0; j < accs.length; j++) {
      if (accs[j]!.ref === seg.ref) {
        acc = accs[j]!;
        break;
      }
    }
    if (acc === undefined) {
      const countVals: number[] = [];
      for (let j = 0; j < wc.otherCounterNames.length; j++) countVals.push(0);
      acc = {
        ref: seg.ref,
        ids: idsOf(seg.ref),
        plant: false,
        lengthMs: 0,
        times: [0, 0, 0, 0, 0, 0],
        reasonKeys: [],
        reasonVals: [],
        roles: newRoleSums(),
        countKeys: [...wc.otherCounterNames],
        countVals,
        changes: 0,
        firstMs: null,
        lastMs: null,
        samples: 0,
        late: 0,
        intervals: [],
      };
      accs.push(acc);
    }
    acc.plant ||= seg.plant;
    acc.lengthMs += seg.endMs - seg.startMs;
    segAcc.push(acc);
  }
  // Split the intervals at the order changes.
  const split: StateInterval[] = [];
  let s = 0;
  for (let q = 0; q < intervals.length; q++) {
    const iv = intervals[q]!;
    while (segs[s]!.endMs <= iv.startMs) s++;
    for (let k = s; k < segs.length && segs[k]!.startMs < iv.endMs; k++) {
      const seg = segs[k]!;
      const acc = segAcc[k]!;
      const from = Math.max(iv.startMs, seg.startMs);
      const to = Math.min(iv.endMs, seg.endMs);
      const piece: StateInterval = {
        startMs: from,
        endMs: to,
        category: iv.category,
        reason: iv.reason,
        orderRef: seg.ref,
        workOrderId: acc.ids.workOrderId,
      };
      split.push(piece);
      acc.intervals.push(piece);
      const d = to - from;
      acc.times[categoryIndex(iv.category)]! += d;
      if (iv.category === 'down') addTo(acc.reasonKeys, acc.reasonVals, iv.reason ?? UNSPECIFIED_REASON, d);
    }
  }
  for (let q = 0; q < changesAt.length; q++) segAcc[segmentAt(segs, changesAt[q]!)]!.changes++;
  // Samples: each segment's rows are a contiguous range of each machine's sorted rows.
  const roles = scratch.roles;
  clearRoleSums(roles);
  let samples = 0;
  let late = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  const countKeys = scratch.countKeys;
  const countVals = scratch.countVals;
  resetCounts(wc, countKeys, countVals);
  const collectOrders = wc.orders;
  const orderIds = scratch.orderIds;
  orderIds.length = 0;
  const machines = wc.machines;
  for (let mi = 0; mi < machines.length; mi++) {
    const m = machines[mi]!;
    const counters = m.dict.counters;
    const first = m.lowerBound(startMs);
    let lo = first;
    for (let k = 0; k < segs.length; k++) {
      const segEnd = segs[k]!.endMs;
      const hi = lo < m.n && m.tsAt(lo) < segEnd ? m.lowerBound(segEnd) : lo;
      if (hi === lo) continue;
      const acc = segAcc[k]!;
      const firstTs = m.tsAt(lo);
      const lastTs = m.tsAt(hi - 1);
      if (acc.firstMs === null || firstTs < acc.firstMs) acc.firstMs = firstTs;
      if (acc.lastMs === null || lastTs > acc.lastMs) acc.lastMs = lastTs;
      acc.samples += hi - lo;
      let segLate = 0;
      const accRoles = acc.roles;
      for (let i = lo; i < hi; i++) {
        const flags = m.infoAt(i);
        if (flags & INFO_LATE) segLate++;
        if (collectOrders && flags >>> INFO_ORDER_SHIFT !== 0) addOrderId(orderIds, (flags >>> INFO_ORDER_SHIFT) - 1);
        if ((flags & KIND_MASK) !== KIND_COUNTER) continue;
        const spec = counters[m.payAt(i)]!;
        const inc = m.incAt(i);
        if (spec.role === ROLE_OTHER) {
          addTo(countKeys, countVals, spec.name, inc);
          addTo(acc.countKeys, acc.countVals, spec.name, inc);
        } else {
          roles[spec.role]! += inc;
          accRoles[spec.role]! += inc;
        }
      }
      late += segLate;
      acc.late += segLate;
      lo = hi;
    }
    if (lo === first) continue;
    samples += lo - first;
    const firstTs = m.tsAt(first);
    const lastTs = m.tsAt(lo - 1);
    if (firstMs === null || firstTs < firstMs) firstMs = firstTs;
    if (lastMs === null || lastTs > lastMs) lastMs = lastTs;
  }
  const base = assembleFigures(wc, startMs, endMs, timeline, scratch, samples, late, firstMs, lastMs);
  const ideal = wc.idealCycleTimeMs;
  accs.sort(compareShares);
  const shares: ShareFigures[] = [];
  for (let j = 0; j < accs.length; j++) {
    const a = accs[j]!;
    const t = a.times;
    const timeByCategory: Record<StateCategory, number> = {
      running: t[0]!,
      idle: t[1]!,
      setup: t[2]!,
      planned_stop: t[3]!,
      down: t[4]!,
      unknown: t[5]!,
    };
    const plannedMs = a.lengthMs - timeByCategory.planned_stop;
    const runtimeMs = timeByCategory.running;
    const good = a.roles[ROLE_GOOD]!;
    const scrap = a.roles[ROLE_SCRAP]!;
    const r = ratios(ideal, plannedMs, runtimeMs, good, scrap);
    const figures: Figures = {
      lengthMs: a.lengthMs,
      plannedMs,
      runtimeMs,
      downtimeMs: timeByCategory.down,
      downtimeByReason: sortedRecord(a.reasonKeys, a.reasonVals),
      timeByCategory,
      goodCount: good,
      scrapCount: scrap,
      counts: sortedRecord(a.countKeys, a.countVals),
      inspectionsPassed: a.roles[ROLE_INSPECTION_PASSED]!,
      inspectionsFailed: a.roles[ROLE_INSPECTION_FAILED]!,
      stateChanges: a.changes,
      firstEventMs: a.firstMs,
      lastEventMs: a.lastMs,
      samplesApplied: a.samples,
      lateSamples: a.late,
      idealCycleTimeMs: ideal,
      availability: r.availability,
      performance: r.performance,
      quality: r.quality,
      oee: r.oee,
      intervals: a.intervals,
      orders: undefined,
    };
    shares.push({ ref: a.ref, plant: a.plant, figures, ids: a.ids });
  }
  return { figures: { ...base, intervals: split }, shares };
}

/** Section 7's ratios (null without an ideal cycle time or where a denominator is 0). */
function ratios(
  ideal: number | null,
  plannedMs: number,
  runtimeMs: number,
  good: number,
  scrap: number,
): { availability: number | null; performance: number | null; quality: number | null; oee: number | null } {
  if (ideal === null) return { availability: null, performance: null, quality: null, oee: null };
  const availability = plannedMs > 0 ? runtimeMs / plannedMs : null;
  const performance = runtimeMs > 0 ? (ideal * (good + scrap)) / runtimeMs : null;
  const quality = good + scrap > 0 ? good / (good + scrap) : null;
  const oee =
    availability !== null && performance !== null && quality !== null ? availability * performance * quality : null;
  return { availability, performance, quality, oee };
}

/** A share an earlier revision had and this one has not: every figure 0 (section 11). */
export function retractionFigures(wc: WorkCenterView): Figures {
  const timeByCategory = {} as Record<StateCategory, number>;
  for (const c of STATE_CATEGORIES) timeByCategory[c] = 0;
  const counts: Record<string, number> = {};
  for (const n of wc.otherCounterNames) counts[n] = 0;
  const ideal = wc.idealCycleTimeMs;
  return {
    lengthMs: 0,
    plannedMs: 0,
    runtimeMs: 0,
    downtimeMs: 0,
    downtimeByReason: {},
    timeByCategory,
    goodCount: 0,
    scrapCount: 0,
    counts,
    inspectionsPassed: 0,
    inspectionsFailed: 0,
    stateChanges: 0,
    firstEventMs: null,
    lastEventMs: null,
    samplesApplied: 0,
    lateSamples: 0,
    idealCycleTimeMs: ideal,
    availability: null,
    performance: null,
    quality: null,
    oee: null,
    intervals: [],
    orders: undefined,
  };
}

export function toOrderSummary(
  plantId: string,
  workCenterId: string,
  ref: WindowRef,
  figures: Figures,
  revision: number,
  final: boolean,
  startLocal: string,
  endLocal: string,
  orderRef: string | null,
  ids: OrderIds,
  orderSource: OrderSource | null,
): OrderSummary {
  return {
    plantId,
    workCenterId,
    windowKind: 'shift',
    windowName: ref.name,
    windowId: ref.windowId,
    shiftName: ref.shiftName ?? null,
    startMs: ref.startMs,
    endMs: ref.endMs,
    startLocal,
    endLocal,
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
    inspectionsPassed: figures.inspectionsPassed,
    inspectionsFailed: figures.inspectionsFailed,
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
    orderRef,
    workOrderId: ids.workOrderId,
    productionId: ids.productionId,
    orderSource,
  };
}
