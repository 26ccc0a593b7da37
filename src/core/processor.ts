// The windowed lane of one input partition (docs/semantics.md section 6): watermark, window and shift
// closing, final results, late samples and numbered amendments, idle advancement, pruning and
// snapshots. Pure: the wall clock comes in as an argument.
//
// Design: every figure is recomputed from the sorted per-machine history when a window closes
// (see figures.ts). The history doubles as the reorder buffer (a sample is inserted in event-time
// order whatever its arrival order) and as the retained history that amendments are recomputed
// from. Closing is checked after every event, so results do not depend on batch sizes.
import { attributesOrders, WorkCenterOrders, type EncodedWorkCenterOrders } from './attribution.js';
import {
  computeAttributedFigures,
  computeFigures,
  figuresDiffer,
  FiguresScratch,
  retractionFigures,
  toOrderSummary,
  toSummary,
  type Figures,
  type ShareFigures,
  type WorkCenterView,
} from './figures.js';
import {
  appendV1Event,
  applyChange,
  decodeHistory,
  encodeChange,
  encodeHistory,
  HistoryDict,
  MachineHistory,
  SnapshotTables,
  type EncodedHistory,
  type HistoryChange,
  type V1Event,
} from './history.js';
import { milestoneRecordOf, takesOrderAtEventTime, type MilestoneRecord } from './milestones.js';
import type { PlantPlan, WindowSpec } from './plan.js';
import { createShiftCalendar, type ShiftCalendar } from './shifts.js';
import { createTimeZone, type TimeZone } from './time-zone.js';
import { inspectionCount, isInspection } from './inspections.js';
import type { OrdersSnapshot } from './orders.js';
import { plannedSpans, type PlannedStop } from './planned-maintenance.js';
import type { MachineEvent, OrderSummary, WindowRef, WindowSummary } from './types.js';
import { nextWindowEndingAfter, windowRefsOverlapping } from './windows.js';

/** A sample that arrived for an already closed window (docs/semantics.md section 6). */
export interface LateRecord {
  readonly plantId: string;
  readonly workCenterId: string;
  readonly machineId: string;
  readonly tag: string;
  readonly tsMs: number;
  readonly watermarkMs: number;
  /** How far behind the watermark it arrived. */
  readonly latenessMs: number;
  /** true when folded into corrected revisions; false when past the amendment horizon (reported only). */
  readonly amended: boolean;
  /** Closed windows that contain the sample's ts. */
  readonly windows: readonly LateWindow[];
  readonly event: MachineEvent;
}

export interface LateWindow {
  readonly windowName: string;
  readonly windowId: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface ProcessorOutput {
  /** Final results (revision 1), then amendments (revision n+1), in a deterministic order. */
  readonly summaries: WindowSummary[];
  /**
   * Order attribution (docs/semantics.md section 11): the order summaries of every shift summary in
   * `summaries`, with its revision and final, retractions included; empty when not attributing.
   */
  readonly orderSummaries: OrderSummary[];
  /**
   * Order attribution: quantity and scrap milestones without an order of their own, each with the
   * order running at its ts, released once the watermark passed that ts (semantics section 9.3).
   */
  readonly milestones: MilestoneRecord[];
  readonly late: LateRecord[];
  /** Exact duplicates refused (same tag, ts and value). */
  duplicates: number;
  /** Events applied to the history. */
  applied: number;
}

export interface ProcessorOptions {
  /** Limit to these window specs (by name); default all of the plan's. */
  readonly windowNames?: readonly string[];
  /**
   * `auto` (default): the watermark is this input's highest ts minus the out-of-orderness.
   * `external`: events never move it; the caller advances it with `advanceTo` (watermark
   * alignment across upstream partitions, see engine/watermarks.ts).
   */
  readonly watermark?: 'auto' | 'external';
  /**
   * Order tagging (topology `orders.tagging`): keep each event's `runningOrder` and give every
   * summary `orders`, the sorted distinct running orders of the events applied to its window.
   * Off (the default): tags are ignored and summaries have no `orders` key.
   */
  readonly orders?: boolean;
  /**
   * Order attribution (docs/semantics.md section 11): shift summaries' intervals split at order
   * changes and annotated, and order summaries in `orderSummaries`. Default: on exactly when the
   * plan has a tag with role `order`. Off: order signals are ignored, snapshots only kept.
   */
  readonly attribution?: boolean;
}

/** A shift's (or window's) figures, and its order shares when attributing. */
interface Results {
  readonly figures: Figures;
  readonly shares: readonly ShareFigures[] | undefined;
}

function emptyOutput(): ProcessorOutput {
  return { summaries: [], orderSummaries: [], milestones: [], late: [], duplicates: 0, applied: 0 };
}

function resultsDiffer(a: Results, b: Results): boolean {
  return figuresDiffer(a.figures, b.figures) || JSON.stringify(a.shares) !== JSON.stringify(b.shares);
}

/** A machine's history and work center: one look-up per event instead of two. */
interface MachineEntry {
  readonly m: MachineHistory;
  readonly wc: WcState;
}

interface WcState {
  readonly workCenterId: string;
  firstTsMs: number;
  readonly machines: MachineHistory[];
  stateMachine: MachineHistory | undefined;
  readonly view: WorkCenterViewMut;
  /** Revision numbers above 1, keyed `<specIndex>|<startMs>`. */
  readonly revisions: Map<string, number>;
  /** Order attribution: the work center's plant signals and latest Odoo snapshot. */
  orders: WorkCenterOrders;
  /** Order attribution: the shares (references, null: no order) each shift's last revision had. */
  readonly shares: Map<string, (string | null)[]>;
  /** Planned maintenance (section 12): the latest snapshot's scheduled preventive requests. */
  planned: readonly PlannedStop[];
  /** Changed since the last checkpoint mark (listed once in `changedWcs`). */
  ckChanged: boolean;
}

type WorkCenterViewMut = { -readonly [K in keyof WorkCenterView]: WorkCenterView[K] };

const DAY_MS = 86_400_000;
/** Version 3 is version 2 with running orders in the rows' info words; written only when a row has one. */
const SNAPSHOT_VERSION = 2;
const SNAPSHOT_VERSION_TAGGED = 3;

export class WindowedProcessor {
  readonly plan: PlantPlan;
  private readonly specs: readonly WindowSpec[];
  private readonly calendar: ShiftCalendar | undefined;
  private readonly zone: TimeZone;
  private readonly machines = new Map<string, MachineHistory>();
  /** Machine id -> its history and work center (checked against the event's work center). */
  private readonly entries = new Map<string, MachineEntry>();
  private readonly dict = new HistoryDict();
  private readonly scratch = new FiguresScratch();
  /** The largest closedEndMs (samples before it are late). */
  private maxClosed = -Infinity;
  private readonly wcs = new Map<string, WcState>();
  private wcOrder: WcState[] = [];
  /** Per spec: every window with end <= closedEndMs[i] is closed. -Infinity before the first close. */
  private readonly closedEndMs: number[];
  private maxTsMs = -Infinity;
  private watermark = -Infinity;
  private minFirstTsMs = Infinity;
  private lastArrivalWallMs: number | undefined;
  private lastPruneWatermarkMs = -Infinity;
  private nextDueMs = Infinity;
  private readonly maxWindowMs: number;
  private readonly externalWatermark: boolean;
  private readonly tagOrders: boolean;
  private readonly attribution: boolean;
  /** Per work center: named counters other than good and scrap (computed once). */
  private readonly otherCounters = new Map<string, Set<string>>();
  /** Milestones waiting for their running order (section 9.3), in arrival order; orderRef still null. */
  private pendingMilestones: MilestoneRecord[] = [];
  /** Incremental checkpoints: machines and work centers changed since the last mark, once each. */
  private changedMachines: MachineHistory[] = [];
  private changedWcs: WcState[] = [];

  constructor(plan: PlantPlan, options: ProcessorOptions = {}) {
    this.plan = plan;
    this.specs =
      options.windowNames === undefined
        ? plan.windows
        : plan.windows.filter((w) => options.windowNames!.includes(w.name));
    this.zone = createTimeZone(plan.timeZone);
    this.calendar = this.specs.some((s) => s.kind === 'shift') ? createShiftCalendar(plan.calendar) : undefined;
    this.closedEndMs = this.specs.map(() => -Infinity);
    this.externalWatermark = options.watermark === 'external';
    this.tagOrders = options.orders === true;
    this.attribution = attributesOrders(plan, options.attribution);
    let maxWindow = 0;
    for (const s of this.specs) maxWindow = Math.max(maxWindow, s.kind === 'shift' ? 2 * DAY_MS : s.sizeMs);
    this.maxWindowMs = maxWindow;
    for (const t of plan.tags.values()) {
      if (t.kind !== 'counter' || t.counter === 'good' || t.counter === 'scrap') continue;
      const wcId = plan.machines.get(t.machineId)?.workCenterId;
      if (wcId === undefined) continue;
      const set = this.otherCounters.get(wcId) ?? new Set<string>();
      set.add(t.counter);
      this.otherCounters.set(wcId, set);
    }
  }

  get watermarkMs(): number {
    return this.watermark;
  }

  /** Applies a batch of canonical events (arrival order) and closes what the watermark allows. */
  ingest(events: readonly MachineEvent[], nowMs?: number): ProcessorOutput {
    const out = emptyOutput();
    if (nowMs !== undefined) this.lastArrivalWallMs = nowMs;
    for (let i = 0; i < events.length; i++) this.ingestOne(events[i]!, out);
    return out;
  }

  /** Idle advancement: with no data for the idle timeout, the watermark follows the wall clock. */
  tick(nowMs: number): ProcessorOutput {
    const out = emptyOutput();
    if (this.lastArrivalWallMs === undefined) {
      this.lastArrivalWallMs = nowMs;
      return out;
    }
    const { idleTimeoutMs, outOfOrdernessMs } = this.plan.eventTime;
    if (nowMs - this.lastArrivalWallMs >= idleTimeoutMs) {
      this.advanceWatermark(nowMs - outOfOrdernessMs, out);
    }
    return out;
  }

  /**
   * Event-time only: moves the watermark to `watermarkMs` if that is ahead (external watermarks,
   * or the end of a replay: flush everything closable). `out` collects into an existing output.
   */
  advanceTo(watermarkMs: number, out: ProcessorOutput = emptyOutput()): ProcessorOutput {
    this.advanceWatermark(watermarkMs, out);
    return out;
  }

  private ingestOne(input: MachineEvent, out: ProcessorOutput): void {
    let event = input;
    if (event.kind === 'milestone') {
      // Inspections count in the figures (section 9.4); bare quantity and scrap counts wait for
      // their running order (section 9.3); other milestones are the critical lane's.
      if (this.attribution && takesOrderAtEventTime(event)) {
        this.ingestMilestone(event, out);
        return;
      }
      if (!isInspection(event)) return;
      event = inspectionCount(event);
    } else if (event.kind === 'watermark') return;
    if (event.kind === 'order') {
      if (this.attribution) this.ingestOrder(event, out);
      return;
    }
    let entry = this.entries.get(event.machineId);
    if (entry === undefined || entry.wc.workCenterId !== event.workCenterId) {
      const w = this.workCenter(event.workCenterId);
      entry = { m: this.machine(event.machineId, w), wc: w };
    }
    const wc = entry.wc;
    const ts = event.tsMs;
    if (ts < this.maxClosed) {
      this.ingestLate(event, wc, out, input);
      return;
    }
    const m = entry.m;
    m.stage(event, m.slotOf(event.tag), false);
    if (m.insertPending() < 0) {
      out.duplicates++;
      return;
    }
    if (!m.ckChanged) this.touchMachine(m);
    out.applied++;
    this.noteFirst(wc, ts, out);
    if (ts > this.maxTsMs) {
      this.maxTsMs = ts;
      if (!this.externalWatermark) this.advanceWatermark(ts - this.plan.eventTime.outOfOrdernessMs, out);
    }
  }

  private updateMaxClosed(): void {
    let max = -Infinity;
    for (const e of this.closedEndMs) if (e > max) max = e;
    this.maxClosed = max;
  }

  private advanceWatermark(to: number, out: ProcessorOutput): void {
    if (to <= this.watermark) return;
    this.watermark = to;
    if (this.pendingMilestones.length > 0) this.releaseMilestones(out);
    if (to >= this.nextDueMs || this.nextDueMs === Infinity) this.closeDue(out);
    const { amendmentHorizonMs } = this.plan.eventTime;
    const pruneStep = Math.max(60_000, Math.floor(amendmentHorizonMs / 16));
    if (to - this.lastPruneWatermarkMs >= pruneStep) this.prune();
  }

  /** The window of spec i with the smallest end > afterMs, or undefined. */
  private nextWindow(i: number, afterMs: number): WindowRef | undefined {
    return nextWindowEndingAfter(this.specs[i]!, afterMs, this.calendar);
  }

  private closeDue(out: ProcessorOutput): void {
    const grace = this.plan.eventTime.graceMs;
    if (this.minFirstTsMs === Infinity) return;
    for (;;) {
      let best: WindowRef | undefined;
      let bestSpec = -1;
      for (let i = 0; i < this.specs.length; i++) {
        const after = Math.max(this.closedEndMs[i]!, this.minFirstTsMs);
        const w = this.nextWindow(i, after);
        if (w !== undefined && (best === undefined || w.endMs < best.endMs)) {
          best = w;
          bestSpec = i;
        }
      }
      if (best === undefined || best.endMs + grace > this.watermark) {
        this.nextDueMs = best === undefined ? Infinity : best.endMs + grace;
        return;
      }
      // Local times are the same for every work center: format them once per window.
      const startLocal = this.zone.formatLocal(best.startMs);
      const endLocal = this.zone.formatLocal(best.endMs);
      const wcs = this.wcOrder;
      for (let k = 0; k < wcs.length; k++) {
        const wc = wcs[k]!;
        if (wc.firstTsMs >= best.endMs) continue;
        this.emit(wc, bestSpec, best, this.results(wc, bestSpec, best), 1, out, startLocal, endLocal);
      }
      this.closedEndMs[bestSpec] = best.endMs;
      this.updateMaxClosed();
    }
  }

  /** The figures of window `ref` of spec i, with the order shares when attributing a shift. */
  private results(wc: WcState, spec: number, ref: WindowRef, untilMs: number = ref.endMs): Results {
    if (!this.attribution || this.specs[spec]!.kind !== 'shift') {
      return { figures: computeFigures(wc.view, ref.startMs, untilMs, this.scratch), shares: undefined };
    }
    const orders = wc.orders;
    const a = computeAttributedFigures(
      wc.view,
      ref.startMs,
      untilMs,
      orders.segments(ref.startMs, untilMs),
      (r) => orders.idsOf(r),
      this.scratch,
    );
    return a;
  }

  /** Emits a final summary (and its order summaries and retractions). */
  private emit(
    wc: WcState,
    spec: number,
    ref: WindowRef,
    res: Results,
    revision: number,
    out: ProcessorOutput,
    startLocal: string = this.zone.formatLocal(ref.startMs),
    endLocal: string = this.zone.formatLocal(ref.endMs),
  ): void {
    const plantId = this.plan.plantId;
    out.summaries.push(toSummary(plantId, wc.workCenterId, ref, res.figures, revision, true, startLocal, endLocal));
    if (res.shares === undefined) return;
    const key = `${spec}|${ref.startMs}`;
    const prev = wc.shares.get(key) ?? [];
    const now = res.shares.map((sh) => sh.ref);
    const records: OrderSummary[] = [];
    for (const sh of res.shares) {
      const source = sh.ref === null ? null : sh.plant ? 'plant' : 'odoo';
      records.push(
        toOrderSummary(
          plantId,
          wc.workCenterId,
          ref,
          sh.figures,
          revision,
          true,
          startLocal,
          endLocal,
          sh.ref,
          sh.ids,
          source,
        ),
      );
    }
    for (const gone of prev) {
      if (now.includes(gone)) continue;
      const fig = retractionFigures(wc.view);
      records.push(
        toOrderSummary(
          plantId,
          wc.workCenterId,
          ref,
          fig,
          revision,
          true,
          startLocal,
          endLocal,
          gone,
          wc.orders.idsOf(gone),
          null,
        ),
      );
    }
    records.sort((a, b) => compareRefs(a.orderRef, b.orderRef));
    for (const r of records) out.orderSummaries.push(r);
    wc.shares.set(key, now);
    this.touch(wc);
  }

  /**
   * The late record of an event behind the watermark, amended or not: the closed windows that
   * contain its ts and the lateness at this watermark. `reported` is the event as it came (an
   * inspection milestone rather than its count).
   */
  private lateRecord(wc: WcState, event: MachineEvent, reported: MachineEvent): (amended: boolean) => LateRecord {
    const ts = event.tsMs;
    const containing: LateWindow[] = [];
    for (let i = 0; i < this.specs.length; i++) {
      for (const w of this.closedWindowsOverlapping(i, ts, ts + 1)) {
        containing.push({ windowName: w.name, windowId: w.windowId, startMs: w.startMs, endMs: w.endMs });
      }
    }
    const watermarkMs = this.watermark;
    return (amended) => ({
      plantId: this.plan.plantId,
      workCenterId: wc.workCenterId,
      machineId: reported.machineId,
      tag: event.tag,
      tsMs: ts,
      watermarkMs,
      latenessMs: watermarkMs - ts,
      amended,
      windows: containing,
      event: reported,
    });
  }

  /** `reported`: the event as it came (an inspection milestone, not its count), for the late record. */
  private ingestLate(event: MachineEvent, wc: WcState, out: ProcessorOutput, reported: MachineEvent = event): void {
    const ts = event.tsMs;
    const amend = ts >= this.watermark - this.plan.eventTime.amendmentHorizonMs;
    const record = this.lateRecord(wc, event, reported);
    if (!amend) {
      out.late.push(record(false));
      return;
    }
    const m = this.machine(event.machineId, wc);
    m.stage(event, m.slotOf(event.tag), true);
    const pos = m.pendingIndex();
    if (pos < 0) {
      out.duplicates++;
      return;
    }
    const influenceEnd = m.pendingInfluenceEndMs(pos);
    const oldFirst = wc.firstTsMs;
    // A work center's summaries start at its first sample: an earlier one makes windows new.
    const rangeEnd = ts < oldFirst ? Math.max(influenceEnd, oldFirst) : influenceEnd;
    const affected: { spec: number; ref: WindowRef }[] = [];
    for (let i = 0; i < this.specs.length; i++) {
      // Closed windows with end > ts and start <= rangeEnd (the sample at rangeEnd may change too).
      const closedEnd = this.closedEndMs[i]!;
      const toMs = rangeEnd === Infinity ? closedEnd : Math.min(rangeEnd + 1, closedEnd);
      for (const w of this.closedWindowsOverlapping(i, ts, toMs)) affected.push({ spec: i, ref: w });
    }
    const before = affected.map((a) => this.results(wc, a.spec, a.ref));
    m.insertPending();
    this.touchMachine(m);
    out.applied++;
    out.late.push(record(true));
    affected.sort((a, b) => a.ref.endMs - b.ref.endMs || a.spec - b.spec);
    for (let k = 0; k < affected.length; k++) {
      const { spec, ref } = affected[k]!;
      const after = this.results(wc, spec, ref);
      const emittedBefore = oldFirst < ref.endMs;
      const containsTs = ts >= ref.startMs && ts < ref.endMs;
      if (emittedBefore && !containsTs && !resultsDiffer(before[k]!, after)) continue;
      const key = `${spec}|${ref.startMs}`;
      const prev = wc.revisions.get(key) ?? (emittedBefore ? 1 : 0);
      const rev = prev + 1;
      if (rev > 1) {
        wc.revisions.set(key, rev);
        this.touch(wc);
      }
      this.emit(wc, spec, ref, after, rev, out);
    }
    this.noteFirst(wc, ts, out);
  }

  /**
   * A quantity or scrap milestone without an order of its own (section 9.3): it waits until the
   * watermark has passed its ts, when every order signal up to it is in, and then takes the order
   * running at its ts. Behind the watermark already, it goes at once. Milestones do not move the
   * watermark (as in stage 1, where they go at once).
   */
  private ingestMilestone(event: MachineEvent, out: ProcessorOutput): void {
    const record = milestoneRecordOf(event, null);
    if (event.tsMs < this.watermark) out.milestones.push(this.withRunningOrder(record));
    else this.pendingMilestones.push(record);
  }

  /** Releases the pending milestones the watermark has passed, in (ts, arrival) order. */
  private releaseMilestones(out: ProcessorOutput): void {
    const due: MilestoneRecord[] = [];
    const keep: MilestoneRecord[] = [];
    for (const m of this.pendingMilestones) (m.tsMs < this.watermark ? due : keep).push(m);
    if (due.length === 0) return;
    this.pendingMilestones = keep;
    due.sort((a, b) => a.tsMs - b.tsMs);
    for (const m of due) out.milestones.push(this.withRunningOrder(m));
  }

  private withRunningOrder(m: MilestoneRecord): MilestoneRecord {
    const orderRef = this.workCenter(m.workCenterId).orders.runningAt(m.tsMs);
    return orderRef === null ? m : { ...m, orderRef };
  }

  /** A plant order signal (section 11): it holds from its ts until the work center's next one. */
  private ingestOrder(event: MachineEvent, out: ProcessorOutput): void {
    const wc = this.workCenter(event.workCenterId);
    const ts = event.tsMs;
    const value = event.orderRef ?? '';
    if (ts < this.maxClosed) {
      this.ingestLateOrder(event, wc, value, out);
      return;
    }
    if (!wc.orders.addSignal(event.tag, ts, value)) {
      out.duplicates++;
      return;
    }
    this.touch(wc);
    out.applied++;
    if (ts > this.maxTsMs) {
      this.maxTsMs = ts;
      if (!this.externalWatermark) this.advanceWatermark(ts - this.plan.eventTime.outOfOrdernessMs, out);
    }
  }

  /** A late order signal amends the closed shifts whose attribution it changes (section 11). */
  private ingestLateOrder(event: MachineEvent, wc: WcState, value: string, out: ProcessorOutput): void {
    const ts = event.tsMs;
    const amend = ts >= this.watermark - this.plan.eventTime.amendmentHorizonMs;
    const record = this.lateRecord(wc, event, event);
    if (!amend) {
      out.late.push(record(false));
      return;
    }
    if (wc.orders.hasSignal(event.tag, ts, value)) {
      out.duplicates++;
      return;
    }
    const until = wc.orders.nextSignalTsAfter(ts);
    const affected = this.closedShifts(wc, ts, until);
    const before = affected.map((a) => this.results(wc, a.spec, a.ref));
    wc.orders.addSignal(event.tag, ts, value);
    this.touch(wc);
    out.applied++;
    out.late.push(record(true));
    this.amend(wc, affected, before, out);
  }

  /**
   * A work center's Odoo orders snapshot (section 11; what `orders sync` publishes, latest = the
   * greatest atMs). Amends the retained closed shifts whose attribution it changes. An older
   * snapshot than the one held, or one for a work center the plan does not have, changes nothing.
   */
  applyOrdersSnapshot(
    snapshot: Pick<OrdersSnapshot, 'workCenterId' | 'atMs' | 'workOrders' | 'plannedMaintenance'>,
  ): ProcessorOutput {
    const out = emptyOutput();
    if (!this.plan.workCenters.has(snapshot.workCenterId)) return out;
    const wc = this.workCenter(snapshot.workCenterId);
    if (snapshot.atMs < wc.orders.atMs) return out;
    const from = Math.max(this.watermark - this.plan.eventTime.amendmentHorizonMs, wc.firstTsMs);
    const planned = snapshot.plannedMaintenance ?? [];
    const plannedChanged = !samePlanned(wc.planned, planned);
    // Planned maintenance changes every window kind; attribution only shifts.
    const affected = !Number.isFinite(from)
      ? []
      : plannedChanged
        ? this.closedWindows(wc, from)
        : this.attribution
          ? this.closedShifts(wc, from, Infinity)
          : [];
    const before = affected.map((a) => this.results(wc, a.spec, a.ref));
    wc.orders.applySnapshot(snapshot.atMs, snapshot.workOrders);
    this.touch(wc);
    if (plannedChanged) {
      wc.planned = planned;
      wc.view.planned = plannedSpans(planned);
    }
    this.amend(wc, affected, before, out);
    return out;
  }

  /** The closed windows of every spec of the work center's summaries from fromMs on. */
  private closedWindows(wc: WcState, fromMs: number): { spec: number; ref: WindowRef }[] {
    const found: { spec: number; ref: WindowRef }[] = [];
    for (let i = 0; i < this.specs.length; i++) {
      const closedEnd = this.closedEndMs[i]!;
      for (const ref of this.closedWindowsOverlapping(i, fromMs, closedEnd)) {
        if (wc.firstTsMs < ref.endMs) found.push({ spec: i, ref });
      }
    }
    found.sort((a, b) => a.ref.endMs - b.ref.endMs || a.spec - b.spec);
    return found;
  }

  /** The closed shift windows of the work center's summaries that intersect [fromMs, toMs). */
  private closedShifts(wc: WcState, fromMs: number, toMs: number): { spec: number; ref: WindowRef }[] {
    const found: { spec: number; ref: WindowRef }[] = [];
    for (let i = 0; i < this.specs.length; i++) {
      if (this.specs[i]!.kind !== 'shift') continue;
      const closedEnd = this.closedEndMs[i]!;
      for (const ref of this.closedWindowsOverlapping(i, fromMs, Math.min(toMs, closedEnd))) {
        if (wc.firstTsMs < ref.endMs) found.push({ spec: i, ref });
      }
    }
    found.sort((a, b) => a.ref.endMs - b.ref.endMs || a.spec - b.spec);
    return found;
  }

  /** New revisions of the emitted windows whose results changed. */
  private amend(
    wc: WcState,
    affected: readonly { spec: number; ref: WindowRef }[],
    before: readonly Results[],
    out: ProcessorOutput,
  ): void {
    for (let k = 0; k < affected.length; k++) {
      const { spec, ref } = affected[k]!;
      const after = this.results(wc, spec, ref);
      if (!resultsDiffer(before[k]!, after)) continue;
      const key = `${spec}|${ref.startMs}`;
      const rev = (wc.revisions.get(key) ?? 1) + 1;
      wc.revisions.set(key, rev);
      this.touch(wc);
      this.emit(wc, spec, ref, after, rev, out);
    }
  }

  /** Tracks first samples; an earlier first sample can make earlier windows due at once. */
  private noteFirst(wc: WcState, ts: number, out: ProcessorOutput): void {
    if (ts < wc.firstTsMs) {
      wc.firstTsMs = ts;
      this.touch(wc);
    }
    if (ts < this.minFirstTsMs) {
      this.minFirstTsMs = ts;
      this.closeDue(out);
    }
  }

  /** Closed windows of spec i that intersect [fromMs, toMs), ascending by start. */
  private closedWindowsOverlapping(i: number, fromMs: number, toMs: number): WindowRef[] {
    const closedEnd = this.closedEndMs[i]!;
    if (!(toMs > fromMs) || closedEnd === -Infinity) return [];
    const refs = windowRefsOverlapping(this.specs[i]!, fromMs, toMs, this.calendar);
    // Ascending by start is ascending by end: the closed ones are a prefix.
    let k = 0;
    while (k < refs.length && refs[k]!.endMs <= closedEnd) k++;
    refs.length = k;
    return refs;
  }

  private workCenter(workCenterId: string): WcState {
    let wc = this.wcs.get(workCenterId);
    if (wc !== undefined) return wc;
    const planWc = this.plan.workCenters.get(workCenterId);
    const stateMachineId = planWc?.stateMachineId;
    const otherCounters = this.otherCounters.get(workCenterId) ?? new Set<string>();
    const silence = stateMachineId === undefined ? 0 : (this.plan.machines.get(stateMachineId)?.silenceTimeoutMs ?? 0);
    const machines: MachineHistory[] = [];
    const view: WorkCenterViewMut = {
      workCenterId,
      stateMachine: undefined,
      stateSilenceTimeoutMs: silence,
      machines,
      otherCounterNames: [...otherCounters].sort(),
      idealCycleTimeMs: planWc?.idealCycleTimeMs ?? null,
      orders: this.tagOrders,
      planned: [],
    };
    wc = {
      workCenterId,
      firstTsMs: Infinity,
      machines,
      stateMachine: undefined,
      view,
      revisions: new Map(),
      orders: new WorkCenterOrders(),
      shares: new Map(),
      planned: [],
      ckChanged: false,
    };
    this.touch(wc);
    this.wcs.set(workCenterId, wc);
    let at = this.wcOrder.length;
    while (at > 0 && this.wcOrder[at - 1]!.workCenterId > workCenterId) at--;
    this.wcOrder.splice(at, 0, wc);
    return wc;
  }

  private machine(machineId: string, wc: WcState): MachineHistory {
    let m = this.machines.get(machineId);
    if (m !== undefined) return m;
    m = new MachineHistory(machineId, wc.workCenterId, this.dict, this.tagOrders);
    this.touchMachine(m);
    this.machines.set(machineId, m);
    this.entries.set(machineId, { m, wc });
    wc.machines.push(m);
    wc.machines.sort((a, b) => (a.machineId < b.machineId ? -1 : 1));
    const planWc = this.plan.workCenters.get(wc.workCenterId);
    if (planWc?.stateMachineId === machineId) {
      wc.stateMachine = m;
      wc.view.stateMachine = m;
    }
    return m;
  }

  private prune(): void {
    this.lastPruneWatermarkMs = this.watermark;
    const cut =
      this.watermark - this.plan.eventTime.amendmentHorizonMs - this.maxWindowMs - this.plan.eventTime.graceMs;
    if (!Number.isFinite(cut)) return;
    for (const m of this.machines.values()) if (m.prune(cut)) this.touchMachine(m);
    for (const wc of this.wcs.values()) {
      let changed = false;
      for (const key of wc.revisions.keys()) {
        const startMs = Number(key.slice(key.indexOf('|') + 1));
        if (startMs + this.maxWindowMs < cut) changed = wc.revisions.delete(key) || changed;
      }
      for (const key of wc.shares.keys()) {
        const startMs = Number(key.slice(key.indexOf('|') + 1));
        if (startMs + this.maxWindowMs < cut) changed = wc.shares.delete(key) || changed;
      }
      const signals = wc.orders.signalCount;
      wc.orders.prune(cut);
      if (changed || wc.orders.signalCount !== signals) this.touch(wc);
    }
  }

  private touch(wc: WcState): void {
    if (wc.ckChanged) return;
    wc.ckChanged = true;
    this.changedWcs.push(wc);
  }

  private touchMachine(m: MachineHistory): void {
    if (!m.ckChanged) this.changedMachines.push(m);
    m.ckChanged = true;
  }

  /**
   * Early (partial) results for the windows that are still open, over [start, watermark):
   * revision 0, `final: false`. For live views; never posted.
   */
  earlyUpdates(): WindowSummary[] {
    const result: WindowSummary[] = [];
    if (this.minFirstTsMs === Infinity) return result;
    for (let i = 0; i < this.specs.length; i++) {
      const w = this.nextWindow(i, Math.max(this.closedEndMs[i]!, this.watermark, this.minFirstTsMs));
      if (w === undefined || w.startMs > this.watermark) continue;
      const until = Math.min(w.endMs, this.watermark);
      for (const wc of this.wcOrder) {
        if (wc.firstTsMs >= until) continue;
        const f = this.results(wc, i, w, until).figures;
        result.push(
          toSummary(
            this.plan.plantId,
            wc.workCenterId,
            w,
            f,
            0,
            false,
            this.zone.formatLocal(w.startMs),
            this.zone.formatLocal(w.endMs),
          ),
        );
      }
    }
    return result;
  }

  /**
   * Serializable state (columnar, see EncodedHistory). Restoring it and going on gives exactly
   * the output of an uninterrupted run.
   */
  snapshot(): ProcessorSnapshot {
    const parts = this.snapshotParts(Infinity);
    const machines: MachineSnapshot[] = [];
    let r = parts.next();
    while (r.done !== true) {
      machines.push(...r.value);
      r = parts.next();
    }
    return { ...parts.head, machines, ...r.value };
  }

  /**
   * snapshot() in parts, for an encoder that writes a base as it goes (engine/snapshot-codec.ts):
   * `head` (the scalars and the work centers' revisions), then the machines' encoded histories in
   * machine id order, yielded a step at a time (at most `machinesPerStep` machines, or fewer once a
   * step holds `rowsPerStep` rows), then, returned, the rest (the version and the string and counter
   * tables, which the histories fill, the orders, planned stops and pending milestones). snapshot()
   * is `{...head, machines: <all steps>, ...rest}`, in that key order. A caller that encodes and
   * drops each step keeps no copy of the whole state (a 2,000-machine base at a 1 h horizon held
   * ~1M rows of arrays until the end, and their scavenges and mark-compacts were the longest
   * pauses of a base checkpoint). The processor must not change until it is done.
   */
  snapshotParts(machinesPerStep = 64, rowsPerStep = Infinity): SnapshotParts {
    const head: SnapshotHeader = {
      ...this.scalarState(),
      workCenters: this.wcOrder.map(
        (wc) =>
          [wc.workCenterId, finiteOrNull(wc.firstTsMs), [...wc.revisions.entries()].sort()] as [
            string,
            number | null,
            [string, number][],
          ],
      ),
    };
    return Object.assign(this.snapshotSteps(machinesPerStep, rowsPerStep), { head });
  }

  private *snapshotSteps(
    machinesPerStep: number,
    rowsPerStep: number,
  ): Generator<MachineSnapshot[], SnapshotRest, void> {
    const tables = new SnapshotTables(this.dict);
    let step: MachineSnapshot[] = [];
    let rows = 0;
    for (const m of [...this.machines.values()].sort((a, b) => (a.machineId < b.machineId ? -1 : 1))) {
      if (step.length === machinesPerStep || rows >= rowsPerStep) {
        yield step;
        step = [];
        rows = 0;
      }
      step.push([m.machineId, m.workCenterId, encodeHistory(m, tables)]);
      rows += m.n;
    }
    if (step.length > 0) yield step;
    return {
      v: tables.tagged ? SNAPSHOT_VERSION_TAGGED : SNAPSHOT_VERSION,
      strings: tables.strings,
      counters: tables.counters,
      ...this.ordersSnapshot(),
      ...this.plannedSnapshot(),
      ...(this.pendingMilestones.length === 0 ? {} : { milestones: [...this.pendingMilestones] }),
    };
  }

  /** The processor's scalars, as a base snapshot and a delta both carry them (in this key order). */
  private scalarState() {
    return {
      plantId: this.plan.plantId,
      windows: this.specs.map((sp) => sp.name),
      maxTsMs: finiteOrNull(this.maxTsMs),
      watermarkMs: finiteOrNull(this.watermark),
      minFirstTsMs: finiteOrNull(this.minFirstTsMs),
      lastArrivalWallMs: this.lastArrivalWallMs ?? null,
      lastPruneWatermarkMs: finiteOrNull(this.lastPruneWatermarkMs),
      closedEndMs: this.closedEndMs.map(finiteOrNull),
    };
  }

  /** Planned maintenance per work center, only when there is some. */
  private plannedSnapshot(): { planned?: [string, PlannedStop[]][] } {
    const planned = this.wcOrder.filter((wc) => wc.planned.length > 0).map((wc) => [wc.workCenterId, [...wc.planned]]);
    return planned.length === 0 ? {} : { planned: planned as [string, PlannedStop[]][] };
  }

  /** Order attribution state, only when there is some (snapshots without it are as before). */
  private ordersSnapshot(): { orders?: SnapshotOrders } {
    const orders: SnapshotOrders = [];
    for (const wc of this.wcOrder) {
      if (wc.orders.empty && Number.isFinite(wc.orders.atMs) === false && wc.shares.size === 0) continue;
      orders.push([wc.workCenterId, wc.orders.encode(), [...wc.shares.entries()].sort()]);
    }
    return orders.length === 0 ? {} : { orders };
  }

  /**
   * Restores a snapshot of version 2 or 3 (3: rows with running orders), or of version 1 (one
   * array per event). Running orders in the snapshot count only with `options.orders`.
   */
  static restore(
    plan: PlantPlan,
    snap: ProcessorSnapshot | ProcessorSnapshotV1,
    options: ProcessorOptions = {},
  ): WindowedProcessor {
    if (snap.v !== SNAPSHOT_VERSION && snap.v !== SNAPSHOT_VERSION_TAGGED && snap.v !== 1) {
      throw new Error(
        `snapshot: expected version ${SNAPSHOT_VERSION_TAGGED}, ` +
          `${SNAPSHOT_VERSION} or 1, found ${String((snap as { v: unknown }).v)}`,
      );
    }
    if (snap.plantId !== plan.plantId)
      throw new Error(`snapshot: expected plant '${plan.plantId}', found '${snap.plantId}'`);
    const p = new WindowedProcessor(plan, options);
    const names = p.specs.map((s) => s.name).join(',');
    if (snap.windows.join(',') !== names)
      throw new Error(`snapshot: expected windows [${names}], found [${snap.windows.join(',')}]`);
    p.maxTsMs = snap.maxTsMs ?? -Infinity;
    p.watermark = snap.watermarkMs ?? -Infinity;
    p.minFirstTsMs = snap.minFirstTsMs ?? Infinity;
    if (snap.lastArrivalWallMs !== null) p.lastArrivalWallMs = snap.lastArrivalWallMs;
    p.lastPruneWatermarkMs = snap.lastPruneWatermarkMs ?? -Infinity;
    snap.closedEndMs.forEach((e, i) => (p.closedEndMs[i] = e ?? -Infinity));
    p.updateMaxClosed();
    for (const [wcId, firstTs, revs] of snap.workCenters) {
      const wc = p.workCenter(wcId);
      wc.firstTsMs = firstTs ?? Infinity;
      for (const [k, r] of revs) wc.revisions.set(k, r);
    }
    if (snap.v === 1) {
      for (const [machineId, wcId, events] of snap.machines) {
        const m = p.machine(machineId, p.workCenter(wcId));
        for (const e of events) appendV1Event(m, e);
        m.rebuildIndexes();
      }
    } else {
      for (const [machineId, wcId, columns] of snap.machines) {
        const m = p.machine(machineId, p.workCenter(wcId));
        decodeHistory(m, columns, snap.strings, snap.counters);
      }
    }
    if ('orders' in snap && snap.orders !== undefined) {
      for (const [wcId, encoded, shares] of snap.orders) {
        const wc = p.workCenter(wcId);
        wc.orders = WorkCenterOrders.decode(encoded);
        for (const [k, refs] of shares) wc.shares.set(k, [...refs]);
      }
    }
    if ('planned' in snap && snap.planned !== undefined) {
      for (const [wcId, stops] of snap.planned) {
        const wc = p.workCenter(wcId);
        wc.planned = stops;
        wc.view.planned = plannedSpans(stops);
      }
    }
    if ('milestones' in snap && snap.milestones !== undefined) p.pendingMilestones = [...snap.milestones];
    p.nextDueMs = -Infinity; // recomputed on the next advance
    p.markCheckpoint();
    return p;
  }

  /**
   * Incremental checkpoints: the state held now becomes the one the next `takeDelta` is relative
   * to (call it when a whole snapshot of this state has been taken). Proportional to the machines.
   */
  markCheckpoint(): void {
    for (const m of this.machines.values()) m.markCheckpoint();
    for (const wc of this.wcs.values()) wc.ckChanged = false;
    this.changedMachines = [];
    this.changedWcs = [];
  }

  /**
   * What changed since the last mark (`markCheckpoint`, `restore` or the previous `takeDelta`),
   * then marks: per changed machine its new rows (HistoryChange), each changed work center whole,
   * the scalars and the pending milestones whole. CPU proportional to what changed. Applied with
   * `applyDelta` to the state of the last mark, it gives exactly the state held now.
   */
  takeDelta(): ProcessorDelta {
    const tables = new SnapshotTables(this.dict);
    const ms = this.changedMachines.sort((a, b) => (a.machineId < b.machineId ? -1 : 1));
    const machines: [string, string, HistoryChange][] = [];
    for (const m of ms) {
      machines.push([m.machineId, m.workCenterId, encodeChange(m, tables)]);
      m.markCheckpoint();
    }
    const wcs = this.changedWcs.sort((a, b) => (a.workCenterId < b.workCenterId ? -1 : 1));
    const workCenters: DeltaWorkCenter[] = [];
    for (const wc of wcs) {
      const noOrders = wc.orders.empty && Number.isFinite(wc.orders.atMs) === false && wc.shares.size === 0;
      workCenters.push([
        wc.workCenterId,
        finiteOrNull(wc.firstTsMs),
        [...wc.revisions.entries()].sort(),
        noOrders ? null : [wc.orders.encode(), [...wc.shares.entries()].sort()],
        wc.planned.length === 0 ? null : [...wc.planned],
      ]);
      wc.ckChanged = false;
    }
    this.changedMachines = [];
    this.changedWcs = [];
    return {
      v: DELTA_VERSION,
      ...this.scalarState(),
      strings: tables.strings,
      counters: tables.counters,
      workCenters,
      machines,
      milestones: [...this.pendingMilestones],
    };
  }

  /**
   * Applies a delta taken (by `takeDelta`) from the processor whose last marked state this one
   * holds: afterwards this one holds that processor's state when it took the delta. Deltas must
   * come in the order they were taken, each exactly once.
   */
  applyDelta(d: ProcessorDelta): void {
    if (d.v !== DELTA_VERSION)
      throw new Error(`checkpoint delta: expected version 1, found ${String((d as { v: unknown }).v)}`);
    if (d.plantId !== this.plan.plantId)
      throw new Error(`checkpoint delta: expected plant '${this.plan.plantId}', found '${String(d.plantId)}'`);
    const names = this.specs.map((sp) => sp.name).join(',');
    if (d.windows.join(',') !== names)
      throw new Error(`checkpoint delta: expected windows [${names}], found [${d.windows.join(',')}]`);
    this.maxTsMs = d.maxTsMs ?? -Infinity;
    this.watermark = d.watermarkMs ?? -Infinity;
    this.minFirstTsMs = d.minFirstTsMs ?? Infinity;
    this.lastArrivalWallMs = d.lastArrivalWallMs ?? undefined;
    this.lastPruneWatermarkMs = d.lastPruneWatermarkMs ?? -Infinity;
    d.closedEndMs.forEach((e, i) => (this.closedEndMs[i] = e ?? -Infinity));
    this.updateMaxClosed();
    for (const [wcId, firstTs, revs, orders, planned] of d.workCenters) {
      const wc = this.workCenter(wcId);
      wc.firstTsMs = firstTs ?? Infinity;
      wc.revisions.clear();
      for (const [k, r] of revs) wc.revisions.set(k, r);
      wc.shares.clear();
      if (orders === null) wc.orders = new WorkCenterOrders();
      else {
        wc.orders = WorkCenterOrders.decode(orders[0]);
        for (const [k, refs] of orders[1]) wc.shares.set(k, [...refs]);
      }
      wc.planned = planned ?? [];
      wc.view.planned = planned === null ? [] : plannedSpans(planned);
    }
    for (const [machineId, wcId, change] of d.machines) {
      const m = this.machine(machineId, this.workCenter(wcId));
      applyChange(m, change, d.strings, d.counters);
    }
    this.pendingMilestones = [...d.milestones];
    this.nextDueMs = -Infinity; // recomputed on the next advance
    this.markCheckpoint();
  }
}

const DELTA_VERSION = 1;

/** [work center, first ts, revisions, [orders, shares] or null (none), planned stops or null (none)]. */
export type DeltaWorkCenter = [
  string,
  number | null,
  [string, number][],
  [EncodedWorkCenterOrders, [string, (string | null)[]][]] | null,
  PlannedStop[] | null,
];

/** An incremental checkpoint of a processor (see `takeDelta`). JSON-serializable. */
export interface ProcessorDelta {
  readonly v: 1;
  readonly plantId: string;
  readonly windows: readonly string[];
  readonly maxTsMs: number | null;
  readonly watermarkMs: number | null;
  readonly minFirstTsMs: number | null;
  readonly lastArrivalWallMs: number | null;
  readonly lastPruneWatermarkMs: number | null;
  readonly closedEndMs: readonly (number | null)[];
  readonly strings: readonly string[];
  readonly counters: readonly (readonly [number, number, number])[];
  /** The changed work centers, whole. */
  readonly workCenters: readonly DeltaWorkCenter[];
  /** The changed machines' rows (see HistoryChange). */
  readonly machines: readonly [string, string, HistoryChange][];
  /** Milestones waiting for their running order, whole. */
  readonly milestones: readonly MilestoneRecord[];
}

export interface SnapshotHeader {
  readonly plantId: string;
  readonly windows: readonly string[];
  readonly maxTsMs: number | null;
  readonly watermarkMs: number | null;
  readonly minFirstTsMs: number | null;
  readonly lastArrivalWallMs: number | null;
  readonly lastPruneWatermarkMs: number | null;
  readonly closedEndMs: readonly (number | null)[];
  readonly workCenters: readonly [string, number | null, readonly [string, number][]][];
}

/**
 * Version 2: columnar histories over shared string and counter tables. JSON-serializable.
 * Version 3: the same, with running orders (order tagging) in the rows' info words.
 */
export interface ProcessorSnapshot extends SnapshotHeader {
  readonly v: 2 | 3;
  readonly strings: readonly string[];
  /** Counter specs: [name (index into strings), total 0|1, rolloverAt]. */
  readonly counters: readonly (readonly [number, number, number])[];
  readonly machines: readonly [string, string, EncodedHistory][];
  /** Order attribution state per work center (absent when there is none). */
  readonly orders?: SnapshotOrders;
  /** Planned maintenance per work center (absent when there is none). */
  readonly planned?: [string, PlannedStop[]][];
  /** Milestones waiting for their running order (section 9.3; absent when there are none). */
  readonly milestones?: MilestoneRecord[];
}

/** One machine of a base snapshot: [machine id, work center id, its encoded history]. */
export type MachineSnapshot = [string, string, EncodedHistory];

/** What a base snapshot holds after its machines (see WindowedProcessor.snapshotParts). */
export type SnapshotRest = Omit<ProcessorSnapshot, keyof SnapshotHeader | 'machines'>;

/** A base snapshot in parts: `head`, then the machines a step at a time, then (returned) the rest. */
export type SnapshotParts = Generator<MachineSnapshot[], SnapshotRest, void> & {
  readonly head: SnapshotHeader;
};

/** [work center, its order sources, the shares each retained shift's last revision had]. */
export type SnapshotOrders = [string, EncodedWorkCenterOrders, [string, (string | null)[]][]][];

/** Version 1 (read only): one array per event. */
export interface ProcessorSnapshotV1 extends SnapshotHeader {
  readonly v: 1;
  readonly machines: readonly [string, string, readonly V1Event[]][];
}

function samePlanned(a: readonly PlannedStop[], b: readonly PlannedStop[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      return x.requestId === y.requestId && x.startMs === y.startMs && x.endMs === y.endMs && x.name === y.name;
    })
  );
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** "No order" first, then by reference. */
function compareRefs(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
