// The batch reference: a slow, obviously correct computation of every summary from the full list
// of samples. It is the oracle the streaming core is tested against, so it shares no algorithm
// with figures.ts/processor.ts: the effective state is evaluated from scratch at every instant
// where it can change (each sample's ts and each sample's ts + silence timeout), and every
// window integrates those constant pieces.
import { mapSample } from '../core/mapping.js';
import { valueKey, type PlantPlan, type WindowSpec } from '../core/plan.js';
import { createShiftCalendar } from '../core/shifts.js';
import { createTimeZone } from '../core/time-zone.js';
import type { OrderLine } from '../core/orders.js';
import type { PlannedStop } from '../core/planned-maintenance.js';
import type {
  MachineEvent,
  OrderSummary,
  RawSample,
  StateCategory,
  StateInterval,
  WindowRef,
  WindowSummary,
} from '../core/types.js';
import { windowRefsOverlapping } from '../core/windows.js';

export interface ReferenceOptions {
  /** Windows whose end + grace <= watermarkMs are the closed ones (and the only ones computed). */
  readonly watermarkMs: number;
  readonly windowNames?: readonly string[];
  /**
   * Order tagging: the running order stage 1 gave each mapped event (null: none). When given, every
   * summary gets `orders`: the sorted distinct running orders of its window's applied events.
   */
  readonly runningOrder?: (event: MachineEvent) => string | null;
  /**
   * Order attribution (docs/semantics.md section 11): the latest orders snapshot's lines per work
   * center. Attribution is on when this is given or the plan has a tag with role `order`; then
   * shift summaries' intervals are split and annotated and order summaries are computed.
   */
  readonly snapshots?: ReadonlyMap<string, readonly OrderLine[]>;
  /** Planned maintenance (section 12): the latest snapshot's scheduled requests per work center. */
  readonly planned?: ReadonlyMap<string, readonly PlannedStop[]>;
}

/** A plant order signal: value "" is "no order". */
interface Signal {
  readonly tsMs: number;
  readonly value: string;
}

interface OrderAt {
  readonly ref: string | null;
  readonly plant: boolean;
}

interface Piece {
  readonly atMs: number;
  readonly category: StateCategory;
  readonly reason: string | null;
}

/** Inspections of a work center are kept under this prefix and its id (not a machine id). */
const INSPECTIONS = '#inspections/';

function orderKey(e: MachineEvent): string {
  return `${e.tag}\u0000${valueKey(e.value)}`;
}

function sortEvents(events: MachineEvent[]): MachineEvent[] {
  return events.sort((a, b) => {
    if (a.tsMs !== b.tsMs) return a.tsMs - b.tsMs;
    const ka = orderKey(a);
    const kb = orderKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** The effective state at instant x, from scratch (docs/semantics.md sections 2 and 3). */
function stateAt(events: readonly MachineEvent[], silenceMs: number, x: number): Piece {
  // The events at or before x are events[0 .. upto); find upto by bisection, then look back.
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.tsMs <= x) lo = mid + 1;
    else hi = mid;
  }
  const upto = lo;
  const lastSeen = upto === 0 ? -Infinity : events[upto - 1]!.tsMs;
  let lastState: MachineEvent | undefined;
  let lastReason: MachineEvent | undefined;
  for (let i = upto - 1; i >= 0 && (lastState === undefined || lastReason === undefined); i--) {
    const e = events[i]!;
    if (e.kind === 'state' && lastState === undefined) lastState = e;
    if (e.kind === 'reason' && lastReason === undefined) lastReason = e;
  }
  if (lastState === undefined || x >= lastSeen + silenceMs) return { atMs: x, category: 'unknown', reason: null };
  const category = lastState.category ?? 'unknown';
  if (category !== 'down') return { atMs: x, category, reason: null };
  let reason = 'unspecified';
  if (lastState.reason !== undefined && lastState.reason !== 'unspecified') reason = lastState.reason;
  else if (lastReason?.reason !== undefined) reason = lastReason.reason;
  return { atMs: x, category, reason };
}

/** Constant pieces of the machine's state: piece k holds on [pieces[k].atMs, pieces[k+1].atMs). */
function statePieces(events: readonly MachineEvent[], silenceMs: number): Piece[] {
  const instants = new Set<number>();
  for (const e of events) {
    instants.add(e.tsMs);
    instants.add(e.tsMs + silenceMs);
  }
  const sorted = [...instants].sort((a, b) => a - b);
  return sorted.map((x) => stateAt(events, silenceMs, x));
}

function same(a: Piece | StateInterval, b: Piece | StateInterval): boolean {
  return a.category === b.category && a.reason === b.reason;
}

function increases(events: readonly MachineEvent[]): Map<MachineEvent, number> {
  const result = new Map<MachineEvent, number>();
  const prevByTag = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== 'counter') continue;
    const value = e.amount ?? 0;
    if (e.mode === 'delta') {
      result.set(e, value);
      continue;
    }
    const prev = prevByTag.get(e.tag);
    let inc = 0;
    if (prev !== undefined) {
      if (value >= prev) inc = value - prev;
      else if (e.rolloverAt !== undefined) inc = e.rolloverAt - prev + value;
      else inc = value;
    }
    result.set(e, inc);
    prevByTag.set(e.tag, value);
  }
  return result;
}

/** Every closed window summary (revision 1) of every work center, from all samples at once. */
export function computeWindowSummaries(
  samples: readonly RawSample[],
  plan: PlantPlan,
  options: ReferenceOptions,
): WindowSummary[] {
  return computeAll(samples, plan, options).summaries;
}

/** Every closed window summary and, with attribution, every order summary (revision 1). */
export function computeAll(
  samples: readonly RawSample[],
  plan: PlantPlan,
  options: ReferenceOptions,
): { summaries: WindowSummary[]; orderSummaries: OrderSummary[] } {
  const attribute = options.snapshots !== undefined || [...plan.tags.values()].some((t) => t.kind === 'order');
  const signalsByWc = new Map<string, Signal[]>();
  const orderOut: OrderSummary[] = [];
  const zone = createTimeZone(plan.timeZone);
  const specs = plan.windows.filter((w) => options.windowNames === undefined || options.windowNames.includes(w.name));
  const calendar = specs.some((s) => s.kind === 'shift') ? createShiftCalendar(plan.calendar) : undefined;
  // Map, drop milestones, drop exact duplicates.
  const seen = new Set<string>();
  const byMachine = new Map<string, MachineEvent[]>();
  for (const s of samples) {
    const v = mapSample(plan, s);
    if (!v.ok) continue;
    // Milestones are the critical lane's, except inspections, which count (section 9.4).
    const inspection =
      v.event.kind === 'milestone' &&
      (v.event.milestone === 'inspection_passed' || v.event.milestone === 'inspection_failed');
    if (v.event.kind === 'milestone' && !inspection) continue;
    const key = `${s.tag}\u0000${s.tsMs}\u0000${valueKey(s.value)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (v.event.kind === 'order') {
      // Not a machine sample: it names the running order (section 11), nothing else.
      const list = signalsByWc.get(v.event.workCenterId) ?? [];
      list.push({ tsMs: v.event.tsMs, value: v.event.orderRef ?? '' });
      signalsByWc.set(v.event.workCenterId, list);
      continue;
    }
    // An inspection is no machine sample for the silence of its machine: a list of its own.
    const history = inspection ? `${INSPECTIONS}${v.event.workCenterId}` : v.event.machineId;
    const list = byMachine.get(history) ?? [];
    list.push(v.event);
    byMachine.set(history, list);
  }
  for (const list of byMachine.values()) sortEvents(list);

  const out: { ref: WindowRef; specIndex: number; summary: WindowSummary }[] = [];
  const wcIds = [...plan.workCenters.keys()].sort();
  for (const wcId of wcIds) {
    const wc = plan.workCenters.get(wcId)!;
    const machineEvents = [...wc.machineIds, `${INSPECTIONS}${wcId}`].sort().map((id) => byMachine.get(id) ?? []);
    const allEvents = machineEvents.flat();
    if (allEvents.length === 0) continue;
    const firstTs = Math.min(...allEvents.map((e) => e.tsMs));
    const stateEvents = byMachine.get(wc.stateMachineId) ?? [];
    const silence = plan.machines.get(wc.stateMachineId)?.silenceTimeoutMs ?? 0;
    const pieces = withPlanned(statePieces(stateEvents, silence), options.planned?.get(wcId) ?? []);
    const inc = new Map<MachineEvent, number>();
    for (const list of machineEvents) for (const [e, n] of increases(list)) inc.set(e, n);
    const otherNames = new Set<string>();
    for (const t of plan.tags.values()) {
      if (t.kind === 'counter' && t.counter !== 'good' && t.counter !== 'scrap' && wc.machineIds.includes(t.machineId))
        otherNames.add(t.counter);
    }
    specs.forEach((spec, specIndex) => {
      for (const ref of closedWindows(spec, firstTs, options.watermarkMs - plan.eventTime.graceMs, calendar)) {
        const summary = summarize(
          plan,
          wcId,
          ref,
          pieces,
          allEvents,
          inc,
          [...otherNames].sort(),
          wc.idealCycleTimeMs ?? null,
          (ms) => zone.formatLocal(ms),
        );
        let result = summary;
        if (attribute && spec.kind === 'shift') {
          const a = attributeShift(
            summary,
            pieces,
            allEvents,
            inc,
            signalsByWc.get(wcId) ?? [],
            options.snapshots?.get(wcId) ?? [],
            [...otherNames].sort(),
          );
          result = a.summary;
          orderOut.push(...a.orders);
        }
        out.push({
          ref,
          specIndex,
          summary:
            options.runningOrder === undefined
              ? result
              : { ...result, orders: ordersIn(allEvents, ref, options.runningOrder) },
        });
      }
    });
  }
  out.sort(
    (a, b) =>
      a.ref.endMs - b.ref.endMs ||
      a.specIndex - b.specIndex ||
      (a.summary.workCenterId < b.summary.workCenterId ? -1 : 1),
  );
  return { summaries: out.map((o) => o.summary), orderSummaries: orderOut };
}

/** A quantity or scrap milestone with the order it belongs to (semantics section 9.3). */
export interface ReferenceMilestoneOrder {
  readonly workCenterId: string;
  readonly tag: string;
  readonly tsMs: number;
  readonly quantity: number | null;
  readonly orderRef: string | null;
}

/**
 * Section 9.3 from scratch: every quantity or scrap milestone sample that names no order itself,
 * with the order running at its ts over all order signals and the latest snapshot's lines (section
 * 11), in (ts, input) order. Exact duplicates stay (the posters' keys make them one).
 */
export function computeMilestoneOrders(
  samples: readonly RawSample[],
  plan: PlantPlan,
  snapshots: ReadonlyMap<string, readonly OrderLine[]> = new Map(),
): ReferenceMilestoneOrder[] {
  const signals = new Map<string, Signal[]>();
  const seen = new Set<string>();
  const milestones: MachineEvent[] = [];
  for (const s of samples) {
    const v = mapSample(plan, s);
    if (!v.ok) continue;
    const e = v.event;
    if (e.kind === 'order') {
      const key = `${s.tag}\u0000${s.tsMs}\u0000${valueKey(s.value)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = signals.get(e.workCenterId) ?? [];
      list.push({ tsMs: e.tsMs, value: e.orderRef ?? '' });
      signals.set(e.workCenterId, list);
    } else if (
      e.kind === 'milestone' &&
      (e.milestone === 'quantity_completed' || e.milestone === 'scrap_recorded') &&
      e.orderRef === undefined &&
      typeof e.value !== 'string'
    )
      milestones.push(e);
  }
  return milestones
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.tsMs - b.e.tsMs || a.i - b.i)
    .map(({ e }) => ({
      workCenterId: e.workCenterId,
      tag: e.tag,
      tsMs: e.tsMs,
      quantity: e.quantity ?? null,
      orderRef: orderAt(signals.get(e.workCenterId) ?? [], snapshots.get(e.workCenterId) ?? [], e.tsMs).ref,
    }));
}

/** The running order at x, literally as section 11 says. */
function orderAt(signals: readonly Signal[], lines: readonly OrderLine[], x: number): OrderAt {
  const past = signals.filter((s) => s.tsMs <= x);
  if (past.length > 0) {
    const latest = Math.max(...past.map((s) => s.tsMs));
    const value = past
      .filter((s) => s.tsMs === latest)
      .map((s) => s.value)
      .sort()
      .at(-1)!;
    return value === '' ? { ref: null, plant: false } : { ref: value, plant: true };
  }
  const running = lines
    .filter(
      (l) =>
        (l.state === 'progress' || l.state === 'done') &&
        l.dateStartMs !== null &&
        l.dateStartMs <= x &&
        (l.dateFinishedMs === undefined || l.dateFinishedMs === null || x < l.dateFinishedMs),
    )
    .sort((a, b) => b.dateStartMs! - a.dateStartMs! || a.workOrderId - b.workOrderId);
  const line = running[0];
  return line === undefined ? { ref: null, plant: false } : { ref: line.productionName ?? line.name, plant: false };
}

function idsOf(
  lines: readonly OrderLine[],
  ref: string | null,
): { workOrderId: number | null; productionId: number | null } {
  const match = lines
    .filter((l) => ref !== null && (l.productionName === ref || l.name === ref))
    .sort((a, b) => a.workOrderId - b.workOrderId)[0];
  return match === undefined
    ? { workOrderId: null, productionId: null }
    : { workOrderId: match.workOrderId, productionId: match.productionId };
}

/** The state piece holding at x (unknown before the first). */
/**
 * Section 12 from scratch: at every instant where the state or a planned stop can change, a state
 * other than running inside a planned stop is planned_stop / planned-maintenance.
 */
function withPlanned(pieces: readonly Piece[], stops: readonly PlannedStop[]): Piece[] {
  if (stops.length === 0) return [...pieces];
  const instants = new Set<number>(pieces.map((p) => p.atMs));
  for (const st of stops) {
    instants.add(st.startMs);
    instants.add(st.endMs);
  }
  return [...instants]
    .sort((a, b) => a - b)
    .map((x) => {
      const base = pieceAt(pieces, x);
      const inside = stops.some((st) => st.startMs <= x && x < st.endMs);
      return inside && base.category !== 'running'
        ? { atMs: x, category: 'planned_stop' as const, reason: 'planned-maintenance' }
        : { atMs: x, category: base.category, reason: base.reason };
    });
}

function pieceAt(pieces: readonly Piece[], x: number): Piece {
  let found: Piece = { atMs: -Infinity, category: 'unknown', reason: null };
  for (const p of pieces) if (p.atMs <= x) found = p;
  return found;
}

/**
 * A shift's attribution from scratch: evaluate state and order at every instant where either can
 * change, integrate the constant pieces, and give each order its milliseconds, state changes and
 * samples.
 */
function attributeShift(
  shift: WindowSummary,
  pieces: readonly Piece[],
  events: readonly MachineEvent[],
  inc: ReadonlyMap<MachineEvent, number>,
  signals: readonly Signal[],
  lines: readonly OrderLine[],
  otherNames: readonly string[],
): { summary: WindowSummary; orders: OrderSummary[] } {
  const S = shift.startMs;
  const E = shift.endMs;
  const inside = (x: number | null | undefined): x is number => x !== null && x !== undefined && x > S && x < E;
  const instants = new Set<number>([S]);
  for (const p of pieces) if (inside(p.atMs)) instants.add(p.atMs);
  for (const sg of signals) if (inside(sg.tsMs)) instants.add(sg.tsMs);
  for (const l of lines) {
    if (inside(l.dateStartMs)) instants.add(l.dateStartMs);
    if (inside(l.dateFinishedMs)) instants.add(l.dateFinishedMs);
  }
  const xs = [...instants].sort((a, b) => a - b);
  const intervals: StateInterval[] = [];
  const plantNamed = new Set<string>();
  xs.forEach((x, k) => {
    const to = k + 1 < xs.length ? xs[k + 1]! : E;
    const st = pieceAt(pieces, x);
    const o = orderAt(signals, lines, x);
    if (o.plant && o.ref !== null) plantNamed.add(o.ref);
    const last = intervals[intervals.length - 1];
    if (last !== undefined && same(last, st) && last.orderRef === o.ref) {
      intervals[intervals.length - 1] = { ...last, endMs: to };
    } else {
      intervals.push({
        startMs: x,
        endMs: to,
        category: st.category,
        reason: st.reason,
        orderRef: o.ref,
        workOrderId: idsOf(lines, o.ref).workOrderId,
      });
    }
  });
  const refs = [...new Set(intervals.map((iv) => iv.orderRef ?? null))].sort((a, b) =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1,
  );
  const inWindow = events.filter((e) => e.tsMs >= S && e.tsMs < E);
  const all: Piece[] = [{ atMs: -Infinity, category: 'unknown', reason: null }, ...pieces];
  const orders = refs.map((ref): OrderSummary => {
    const mine = intervals.filter((iv) => (iv.orderRef ?? null) === ref);
    const timeByCategory: Record<StateCategory, number> = {
      running: 0,
      idle: 0,
      setup: 0,
      planned_stop: 0,
      down: 0,
      unknown: 0,
    };
    const byReason: Record<string, number> = {};
    for (const iv of mine) {
      timeByCategory[iv.category] += iv.endMs - iv.startMs;
      if (iv.category === 'down') {
        const r = iv.reason ?? 'unspecified';
        byReason[r] = (byReason[r] ?? 0) + iv.endMs - iv.startMs;
      }
    }
    const downtimeByReason: Record<string, number> = {};
    for (const k of Object.keys(byReason).sort()) downtimeByReason[k] = byReason[k]!;
    const evs = inWindow.filter((e) => orderAt(signals, lines, e.tsMs).ref === ref);
    let good = 0;
    let scrap = 0;
    const counts: Record<string, number> = {};
    for (const n of otherNames) counts[n] = 0;
    let passed = 0;
    let failed = 0;
    for (const e of evs) {
      if (e.kind === 'milestone') {
        if (e.milestone === 'inspection_passed') passed++;
        else failed++;
      }
      if (e.kind !== 'counter') continue;
      const n = inc.get(e) ?? 0;
      if (e.counter === 'good') good += n;
      else if (e.counter === 'scrap') scrap += n;
      else counts[e.counter ?? 'count'] = (counts[e.counter ?? 'count'] ?? 0) + n;
    }
    const sortedCounts: Record<string, number> = {};
    for (const k of Object.keys(counts).sort()) sortedCounts[k] = counts[k]!;
    let changes = 0;
    for (let k = 1; k < all.length; k++) {
      const p = all[k]!;
      if (p.atMs >= S && p.atMs < E && !same(p, all[k - 1]!) && orderAt(signals, lines, p.atMs).ref === ref) changes++;
    }
    const lengthMs = mine.reduce((acc, iv) => acc + iv.endMs - iv.startMs, 0);
    const plannedMs = lengthMs - timeByCategory.planned_stop;
    const runtimeMs = timeByCategory.running;
    const ideal = shift.idealCycleTimeMs;
    const availability = ideal === null ? null : plannedMs > 0 ? runtimeMs / plannedMs : null;
    const performance = ideal === null ? null : runtimeMs > 0 ? (ideal * (good + scrap)) / runtimeMs : null;
    const quality = ideal === null ? null : good + scrap > 0 ? good / (good + scrap) : null;
    const oee =
      availability !== null && performance !== null && quality !== null ? availability * performance * quality : null;
    const times = evs.map((e) => e.tsMs);
    const ids = idsOf(lines, ref);
    return {
      plantId: shift.plantId,
      workCenterId: shift.workCenterId,
      windowKind: 'shift',
      windowName: shift.windowName,
      windowId: shift.windowId,
      shiftName: shift.shiftName,
      startMs: S,
      endMs: E,
      startLocal: shift.startLocal,
      endLocal: shift.endLocal,
      revision: 1,
      final: true,
      lengthMs,
      plannedMs,
      runtimeMs,
      downtimeMs: timeByCategory.down,
      downtimeByReason,
      timeByCategory,
      goodCount: good,
      scrapCount: scrap,
      counts: sortedCounts,
      inspectionsPassed: passed,
      inspectionsFailed: failed,
      stateChanges: changes,
      firstEventMs: times.length === 0 ? null : Math.min(...times),
      lastEventMs: times.length === 0 ? null : Math.max(...times),
      samplesApplied: evs.length,
      lateSamples: 0,
      idealCycleTimeMs: ideal,
      availability,
      performance,
      quality,
      oee,
      intervals: mine,
      orderRef: ref,
      workOrderId: ids.workOrderId,
      productionId: ids.productionId,
      orderSource: ref === null ? null : plantNamed.has(ref) ? 'plant' : 'odoo',
    };
  });
  return { summary: { ...shift, intervals }, orders };
}

/** The sorted distinct running orders of the events with ts in the window. */
function ordersIn(
  events: readonly MachineEvent[],
  ref: WindowRef,
  runningOrder: (event: MachineEvent) => string | null,
): string[] {
  const names = new Set<string>();
  for (const e of events) {
    // Machine samples only: an inspection's order tag is not the window's (section 10).
    if (e.tsMs < ref.startMs || e.tsMs >= ref.endMs || e.kind === 'milestone') continue;
    const order = runningOrder(e);
    if (order !== null) names.add(order);
  }
  return [...names].sort();
}

function closedWindows(
  spec: WindowSpec,
  firstTs: number,
  closedUntilMs: number,
  calendar: ReturnType<typeof createShiftCalendar> | undefined,
): WindowRef[] {
  if (!(closedUntilMs > firstTs)) return [];
  return windowRefsOverlapping(spec, firstTs, closedUntilMs, calendar).filter(
    (w) => w.endMs > firstTs && w.endMs <= closedUntilMs,
  );
}

function summarize(
  plan: PlantPlan,
  workCenterId: string,
  ref: WindowRef,
  pieces: readonly Piece[],
  events: readonly MachineEvent[],
  inc: ReadonlyMap<MachineEvent, number>,
  otherNames: readonly string[],
  ideal: number | null,
  formatLocal: (ms: number) => string,
): WindowSummary {
  const S = ref.startMs;
  const E = ref.endMs;
  // Clip the pieces to [S, E), merging equal neighbours.
  const intervals: StateInterval[] = [];
  const unknownBefore: Piece = { atMs: -Infinity, category: 'unknown', reason: null };
  const all = [unknownBefore, ...pieces];
  let changes = 0;
  for (let k = 0; k < all.length; k++) {
    const p = all[k]!;
    const next = all[k + 1];
    const from = Math.max(p.atMs, S);
    const to = Math.min(next === undefined ? Infinity : next.atMs, E);
    if (k > 0 && p.atMs >= S && p.atMs < E && !same(p, all[k - 1]!)) changes++;
    if (to <= from) continue;
    const last = intervals[intervals.length - 1];
    if (last !== undefined && same(last, p) && last.endMs === from) {
      intervals[intervals.length - 1] = { ...last, endMs: to };
    } else {
      intervals.push({ startMs: from, endMs: to, category: p.category, reason: p.reason });
    }
  }
  const timeByCategory: Record<StateCategory, number> = {
    running: 0,
    idle: 0,
    setup: 0,
    planned_stop: 0,
    down: 0,
    unknown: 0,
  };
  const byReason: Record<string, number> = {};
  for (const iv of intervals) {
    timeByCategory[iv.category] += iv.endMs - iv.startMs;
    if (iv.category === 'down')
      byReason[iv.reason ?? 'unspecified'] = (byReason[iv.reason ?? 'unspecified'] ?? 0) + iv.endMs - iv.startMs;
  }
  const downtimeByReason: Record<string, number> = {};
  for (const k of Object.keys(byReason).sort()) downtimeByReason[k] = byReason[k]!;
  let good = 0;
  let scrap = 0;
  const counts: Record<string, number> = {};
  for (const n of otherNames) counts[n] = 0;
  const inWindow = events.filter((e) => e.tsMs >= S && e.tsMs < E);
  let passed = 0;
  let failed = 0;
  for (const e of inWindow) {
    if (e.kind === 'milestone') {
      if (e.milestone === 'inspection_passed') passed++;
      else failed++;
    }
    if (e.kind !== 'counter') continue;
    const n = inc.get(e) ?? 0;
    if (e.counter === 'good') good += n;
    else if (e.counter === 'scrap') scrap += n;
    else counts[e.counter ?? 'count'] = (counts[e.counter ?? 'count'] ?? 0) + n;
  }
  const sortedCounts: Record<string, number> = {};
  for (const k of Object.keys(counts).sort()) sortedCounts[k] = counts[k]!;
  const lengthMs = E - S;
  const plannedMs = lengthMs - timeByCategory.planned_stop;
  const runtimeMs = timeByCategory.running;
  const availability = ideal === null ? null : plannedMs > 0 ? runtimeMs / plannedMs : null;
  const performance = ideal === null ? null : runtimeMs > 0 ? (ideal * (good + scrap)) / runtimeMs : null;
  const quality = ideal === null ? null : good + scrap > 0 ? good / (good + scrap) : null;
  const oee =
    availability !== null && performance !== null && quality !== null ? availability * performance * quality : null;
  const times = inWindow.map((e) => e.tsMs);
  return {
    plantId: plan.plantId,
    workCenterId,
    windowKind: ref.kind,
    windowName: ref.name,
    windowId: ref.windowId,
    shiftName: ref.shiftName ?? null,
    startMs: S,
    endMs: E,
    startLocal: formatLocal(S),
    endLocal: formatLocal(E),
    revision: 1,
    final: true,
    lengthMs,
    plannedMs,
    runtimeMs,
    downtimeMs: timeByCategory.down,
    downtimeByReason,
    timeByCategory,
    goodCount: good,
    scrapCount: scrap,
    counts: sortedCounts,
    inspectionsPassed: passed,
    inspectionsFailed: failed,
    stateChanges: changes,
    firstEventMs: times.length === 0 ? null : Math.min(...times),
    lastEventMs: times.length === 0 ? null : Math.max(...times),
    samplesApplied: inWindow.length,
    lateSamples: 0,
    idealCycleTimeMs: ideal,
    availability,
    performance,
    quality,
    oee,
    intervals,
  };
}
