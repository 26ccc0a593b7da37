// Order attribution (docs/semantics.md section 11): the running order of one work center at every
// instant, from the plant's order signals (event kind `order`) and the work center's latest Odoo
// orders snapshot. Pure: the processor owns one WorkCenterOrders per work center and asks it for
// the order segments of a shift when it computes the shift's figures.
import { type OrderLine } from './orders.js';
import type { PlantPlan } from './plan.js';

/** Order attribution is on: the plan has a tag with role `order`, or the caller says so (section 11). */
export function attributesOrders(plan: PlantPlan, attribution?: boolean): boolean {
  return attribution ?? [...plan.tags.values()].some((t) => t.kind === 'order');
}

/** A maximal piece [startMs, endMs) of one running order (null: no order). */
export interface OrderSegment {
  readonly startMs: number;
  readonly endMs: number;
  readonly ref: string | null;
  /** True when a plant signal named the order on (part of) this piece. */
  readonly plant: boolean;
}

/** The Odoo ids of a reference (section 11: the smallest work order id among the matching lines). */
export interface OrderIds {
  readonly workOrderId: number | null;
  readonly productionId: number | null;
}

const NO_IDS: OrderIds = { workOrderId: null, productionId: null };

/**
 * The work-order states in which Odoo has really started the work (section 11): `progress` and
 * `done`. Before that (pending, waiting, ready, blocked) `date_start` is only the planned start.
 */
export const STARTED_STATES: ReadonlySet<string> = new Set(['progress', 'done']);

/** The reference a work order gives the time it runs: its production's name, else its own. */
export function orderRefOf(line: Pick<OrderLine, 'name' | 'productionName'>): string {
  return line.productionName ?? line.name;
}

/** Odoo's running work order at t among `lines` (section 11), or null. */
export function odooRunningAt(lines: readonly OrderLine[], t: number): OrderLine | null {
  let best: OrderLine | null = null;
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!;
    const start = l.dateStartMs;
    if (!STARTED_STATES.has(l.state) || start === null || start > t) continue;
    const finished = l.dateFinishedMs ?? null;
    if (finished !== null && t >= finished) continue;
    if (best === null || start > best.dateStartMs! || (start === best.dateStartMs && l.workOrderId < best.workOrderId))
      best = l;
  }
  return best;
}

/** Snapshot form of one work center's order state (JSON-serializable). */
export interface EncodedWorkCenterOrders {
  /** Plant signals [ts, tag, value] in (ts, value, tag) order; value "" is no order. */
  readonly signals: readonly (readonly [number, string, string])[];
  readonly atMs: number | null;
  readonly lines: readonly OrderLine[];
}

/**
 * One work center's order sources. Signals are kept sorted by (ts, value, tag): the effective
 * signal at an instant is then the last one with ts <= t, which is the greatest value among those
 * of the latest ts (section 11's tie rule), whatever the arrival order.
 */
export class WorkCenterOrders {
  private ts: number[] = [];
  private vals: string[] = [];
  private tags: string[] = [];
  /** The latest snapshot's lines and its `atMs` (-Infinity: none yet). */
  lines: readonly OrderLine[] = [];
  atMs = -Infinity;

  get signalCount(): number {
    return this.ts.length;
  }

  /** True when nothing is known: no signal, no snapshot line. */
  get empty(): boolean {
    return this.ts.length === 0 && this.lines.length === 0;
  }

  private compareAt(i: number, ts: number, value: string, tag: string): number {
    const t = this.ts[i]!;
    if (t !== ts) return t < ts ? -1 : 1;
    const v = this.vals[i]!;
    if (v !== value) return v < value ? -1 : 1;
    const g = this.tags[i]!;
    return g === tag ? 0 : g < tag ? -1 : 1;
  }

  /** Inserts a plant signal; false for an exact duplicate (same tag, ts and value), applied once. */
  addSignal(tag: string, ts: number, value: string): boolean {
    let lo = 0;
    let hi = this.ts.length;
    // Appends are the common case.
    if (hi > 0 && this.compareAt(hi - 1, ts, value, tag) < 0) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareAt(mid, ts, value, tag) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.ts.length) {
      this.ts.push(ts);
      this.vals.push(value);
      this.tags.push(tag);
      return true;
    }
    if (this.compareAt(lo, ts, value, tag) === 0) return false;
    this.ts.splice(lo, 0, ts);
    this.vals.splice(lo, 0, value);
    this.tags.splice(lo, 0, tag);
    return true;
  }

  /** Would this signal be an exact duplicate? */
  hasSignal(tag: string, ts: number, value: string): boolean {
    for (let i = this.upperBound(ts) - 1; i >= 0 && this.ts[i] === ts; i--)
      if (this.vals[i] === value && this.tags[i] === tag) return true;
    return false;
  }

  /** The ts of the first signal after ts (Infinity: none): where a signal at ts stops holding. */
  nextSignalTsAfter(ts: number): number {
    const i = this.upperBound(ts);
    return i < this.ts.length ? this.ts[i]! : Infinity;
  }

  /** Replaces the lines when the snapshot is not older than the current one; false when ignored. */
  applySnapshot(atMs: number, lines: readonly OrderLine[]): boolean {
    if (atMs < this.atMs) return false;
    this.atMs = atMs;
    this.lines = lines;
    return true;
  }

  /** Number of signals with ts <= t. */
  private upperBound(t: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The running order at t (section 11), null: no order. */
  runningAt(t: number): string | null {
    return this.at(t)[0];
  }

  /** The running order at t: [ref or null, named by a plant signal]. */
  private at(t: number): [string | null, boolean] {
    const i = this.upperBound(t);
    if (i > 0) {
      const v = this.vals[i - 1]!;
      return v === '' ? [null, false] : [v, true];
    }
    const line = odooRunningAt(this.lines, t);
    return [line === null ? null : orderRefOf(line), false];
  }

  /**
   * The order segments covering [startMs, endMs) (empty when endMs <= startMs), adjacent
   * segments with the same reference merged.
   */
  segments(startMs: number, endMs: number): OrderSegment[] {
    const out: OrderSegment[] = [];
    if (!(endMs > startMs)) return out;
    const cuts: number[] = [startMs];
    const firstSignal = this.ts.length > 0 ? this.ts[0]! : Infinity;
    // Odoo decides only before the first plant signal.
    const odooUntil = Math.min(endMs, firstSignal);
    for (const l of this.lines) {
      const s = l.dateStartMs;
      const f = l.dateFinishedMs ?? null;
      if (s !== null && s > startMs && s < odooUntil) cuts.push(s);
      if (f !== null && f > startMs && f < odooUntil) cuts.push(f);
    }
    for (let i = this.upperBound(startMs); i < this.ts.length && this.ts[i]! < endMs; i++) cuts.push(this.ts[i]!);
    cuts.sort((a, b) => a - b);
    let cur: { startMs: number; ref: string | null; plant: boolean } | undefined;
    for (let k = 0; k < cuts.length; k++) {
      const c = cuts[k]!;
      if (k > 0 && c === cuts[k - 1]) continue;
      const [ref, plant] = this.at(c);
      if (cur !== undefined && cur.ref === ref) {
        cur.plant ||= plant;
        continue;
      }
      if (cur !== undefined) out.push({ startMs: cur.startMs, endMs: c, ref: cur.ref, plant: cur.plant });
      cur = { startMs: c, ref, plant };
    }
    out.push({ startMs: cur!.startMs, endMs, ref: cur!.ref, plant: cur!.plant });
    return out;
  }

  /** The Odoo ids of a reference from the latest snapshot (section 11), nulls when Odoo has none. */
  idsOf(ref: string | null): OrderIds {
    if (ref === null) return NO_IDS;
    let best: OrderLine | null = null;
    for (const l of this.lines) {
      if (l.productionName !== ref && l.name !== ref) continue;
      if (best === null || l.workOrderId < best.workOrderId) best = l;
    }
    return best === null ? NO_IDS : { workOrderId: best.workOrderId, productionId: best.productionId };
  }

  /** Drops signals before cutMs except those of the latest ts before it (they hold at the cut). */
  prune(cutMs: number): void {
    const i = this.upperBound(cutMs - 1);
    if (i === 0) return;
    const anchorTs = this.ts[i - 1]!;
    let keepFrom = i - 1;
    while (keepFrom > 0 && this.ts[keepFrom - 1] === anchorTs) keepFrom--;
    if (keepFrom === 0) return;
    this.ts.splice(0, keepFrom);
    this.vals.splice(0, keepFrom);
    this.tags.splice(0, keepFrom);
  }

  encode(): EncodedWorkCenterOrders {
    return {
      signals: this.ts.map((t, i) => [t, this.tags[i]!, this.vals[i]!] as const),
      atMs: Number.isFinite(this.atMs) ? this.atMs : null,
      lines: this.lines,
    };
  }

  static decode(e: EncodedWorkCenterOrders): WorkCenterOrders {
    const o = new WorkCenterOrders();
    for (const [t, tag, v] of e.signals) o.addSignal(tag, t, v);
    o.atMs = e.atMs ?? -Infinity;
    o.lines = e.lines;
    return o;
  }
}
