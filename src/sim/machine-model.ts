// The behaviour of one simulated machine: a state model with exponential dwell times (running
// most of the time; short idle; setups at order changeovers; planned stops at breaks; unplanned
// down with reasons from its tables), production cycles that drive its counters and order
// milestones, periodic re-reports, heartbeats, and now and then a silence longer than its
// silence timeout. The model keeps running while silent; only emission stops.
import type { SampleValue } from '../core/types.js';
import type { SimCategory, MachineProfile } from './machine-profile.js';
import { canEnter } from './machine-profile.js';
import type { TimerHeap } from './heaps.js';
import type { Prng } from './prng.js';
import type { ResolvedSimulatorOptions } from './options.js';
import {
  FLAG_LATE,
  FLAG_NORMAL,
  FLAG_OUT_OF_ORDER,
  KIND_COUNTER,
  KIND_HEARTBEAT,
  KIND_MILESTONE,
  KIND_ORDER,
  KIND_REASON,
  KIND_STATE,
  packCode,
  withFlag,
} from './annotation.js';

/** What a machine model needs of the simulator around it. */
export interface SimContext {
  readonly rng: Prng;
  readonly timers: TimerHeap;
  readonly options: ResolvedSimulatorOptions;
  /** `emitMs` (default `tsMs`): when the sample is sent; later for a scan held through a silence. */
  emit(tag: string, tsMs: number, value: SampleValue, code: number, emitMs?: number): void;
  nextOrderRef(tsMs: number): string;
  nextLotRef(tsMs: number): string;
  /** A lot a machine produced (blank stacks of the blanking line), for the machines that consume it. */
  producedLot(lot: string): void;
  /** The lot produced last, null before any. */
  latestLot(): string | null;
  recordSilence(machineId: string, startMs: number, endMs: number): void;
}

export const TIMERS_PER_MACHINE = 5;
const T_STATE = 0;
const T_CYCLE = 1;
const T_REPEAT = 2;
const T_HEARTBEAT = 3;
const T_SILENCE = 4;

// Indexes into MILESTONE_KINDS.
const M_DOWN = 0;
const M_UP = 1;
const M_RELEASED = 2;
const M_STARTED = 3;
const M_QUANTITY = 4;
const M_SCRAP = 5;
const M_LOT = 6;
const M_INSPECTION = 7;
const M_CLOSED = 8;
const M_PRODUCED = 12;

const MIN_DWELL_MS = 1000;
const BREAK_END_JITTER_MS = 120_000;
const CHARACTERISTICS = ['diameter', 'flatness', 'burr', 'surface', 'hole_position'] as const;

export class MachineModel {
  private category: SimCategory = 'running';
  private stateValue: SampleValue | null = null;
  private downReason = 'unspecified';
  private inBreak = false;
  private silent = false;
  /**
   * Lot milestones of a silence, sent when it ends with the instant of the scan (store and forward:
   * a scan is kept, not lost, and keeps its time, so it belongs to the order running then).
   */
  private heldLots: { kind: number; t: number; body: () => Record<string, unknown>; lot: string }[] = [];
  /** A lot producer's order is done with its coil: the next order starts with the next cycle. */
  private coilChange = false;
  private started = false;
  private heartbeat = 0;
  private readonly totals: Float64Array;
  private readonly pending: Float64Array;
  private readonly cycleMeanMs: number;
  private readonly base: number;
  private readonly codeState: number;
  private readonly codeReason: number;
  private readonly codeCounter: number;
  private readonly codeHeartbeat: number;
  private readonly codeMilestone: number;
  private readonly codeOrder: number;
  // The order in work.
  private orderRef = '';
  private orderTarget = 0;
  private orderGood = 0;
  private orderScrap = 0;
  private sinceQuantity = 0;
  private sinceLot = 0;
  private lotRef = '';
  private operationStarted = false;

  constructor(
    private readonly ctx: SimContext,
    readonly p: MachineProfile,
    index: number,
  ) {
    this.base = index * TIMERS_PER_MACHINE;
    this.totals = new Float64Array(p.counters.length);
    this.pending = new Float64Array(p.counters.length);
    this.cycleMeanMs = p.idealCycleTimeMs ?? ctx.options.defaultCycleTimeMs;
    this.codeState = packCode(FLAG_NORMAL, 0, KIND_STATE, index);
    this.codeReason = packCode(FLAG_NORMAL, 0, KIND_REASON, index);
    this.codeCounter = packCode(FLAG_NORMAL, 0, KIND_COUNTER, index);
    this.codeHeartbeat = packCode(FLAG_NORMAL, 0, KIND_HEARTBEAT, index);
    this.codeMilestone = packCode(FLAG_NORMAL, 0, KIND_MILESTONE, index);
    this.codeOrder = packCode(FLAG_NORMAL, 0, KIND_ORDER, index);
  }

  start(startMs: number): void {
    const { rng, timers, options: o } = this.ctx;
    const t = startMs + rng.int(1000);
    this.category = canEnter(this.p, 'running') ? 'running' : (this.pickStop() ?? 'running');
    this.stateValue = this.pickStateValue(this.category);
    for (let i = 0; i < this.p.counters.length; i++) {
      const rollover = this.p.counters[i]!.rolloverAt;
      this.totals[i] = rng.int(rollover ?? 1_000_000);
    }
    this.heartbeat = rng.int(1000);
    timers.set(this.base + T_REPEAT, t);
    timers.set(this.base + T_STATE, t + this.dwell(this.category));
    if (this.category === 'running') timers.set(this.base + T_CYCLE, t + this.cycleMs());
    if (this.p.heartbeatTags.length > 0) timers.set(this.base + T_HEARTBEAT, t + rng.int(o.heartbeatMs));
    if (o.silenceEveryMs > 0) timers.set(this.base + T_SILENCE, t + 1 + Math.round(rng.exp(o.silenceEveryMs)));
  }

  fire(timer: number, t: number): void {
    switch (timer) {
      case T_STATE:
        this.onStateEnd(t);
        break;
      case T_CYCLE:
        this.onCycle(t);
        break;
      case T_REPEAT:
        this.onRepeat(t);
        break;
      case T_HEARTBEAT:
        this.emitHeartbeats(t);
        this.ctx.timers.set(this.base + T_HEARTBEAT, t + this.ctx.options.heartbeatMs);
        break;
      default:
        this.onSilence(t);
    }
  }

  /** A plant-wide break: planned stop until `endMs` (plus a little, machines restart one by one). */
  startBreak(startMs: number, endMs: number): void {
    if (!canEnter(this.p, 'planned_stop')) return;
    this.inBreak = true;
    this.enter(startMs, 'planned_stop', endMs + this.ctx.rng.int(BREAK_END_JITTER_MS));
  }

  // ---- state model ----

  private onStateEnd(t: number): void {
    if (this.inBreak) {
      this.inBreak = false;
      this.enter(t, this.afterStop());
    } else if (this.category === 'running') {
      const next = this.pickStop();
      if (next === null) this.ctx.timers.set(this.base + T_STATE, t + this.dwell('running'));
      else this.enter(t, next);
    } else {
      this.enter(t, this.afterStop());
    }
  }

  private afterStop(): SimCategory {
    if (canEnter(this.p, 'running')) return 'running';
    return this.pickStop() ?? this.category;
  }

  /** What follows a running period, by the stop weights, among the categories the table has. */
  private pickStop(): SimCategory | null {
    const w = this.ctx.options.stopWeights;
    const idle = canEnter(this.p, 'idle') ? w.idle : 0;
    const down = canEnter(this.p, 'down') ? w.down : 0;
    const setup = canEnter(this.p, 'setup') ? w.setup : 0;
    const planned = canEnter(this.p, 'planned_stop') ? w.plannedStop : 0;
    const total = idle + down + setup + planned;
    if (total <= 0) return null;
    let u = this.ctx.rng.float() * total;
    if ((u -= idle) < 0) return 'idle';
    if ((u -= down) < 0) return 'down';
    return u - setup < 0 ? 'setup' : 'planned_stop';
  }

  private enter(t: number, category: SimCategory, untilMs?: number): void {
    const { rng, timers } = this.ctx;
    const p = this.p;
    const milestoneArgs = { orderRef: this.orderRef };
    if (this.category === 'down' && category !== 'down') {
      if (p.reasonTag !== null && p.reasonClear !== null) this.out(p.reasonTag, t, p.reasonClear, this.codeReason);
      this.milestone(M_UP, t, () => ({ ...milestoneArgs, reason: this.downReason }));
    }
    this.category = category;
    if (category === 'down') {
      let reason = 'unspecified';
      if (p.downValues.length > 0) {
        const dv = rng.pick(p.downValues);
        this.stateValue = dv.value;
        reason = dv.reason;
      } else {
        this.stateValue = null;
        if (p.reasonValues.length > 0) reason = rng.pick(p.reasonValues).reason;
      }
      if (p.reasonTag !== null && p.reasonValues.length > 0) {
        const same = p.reasonValues.filter((r) => r.reason === reason);
        const rv = rng.pick(same.length > 0 ? same : p.reasonValues);
        this.out(p.reasonTag, t, rv.value, this.codeReason);
        if (p.downValues.length === 0) reason = rv.reason;
      }
      this.downReason = reason;
    } else {
      this.stateValue = this.pickStateValue(category);
    }
    if (p.stateTag !== null && this.stateValue !== null) this.out(p.stateTag, t, this.stateValue, this.codeState);
    if (category === 'down') this.milestone(M_DOWN, t, () => ({ ...milestoneArgs, reason: this.downReason }));
    if (category === 'running' && !this.operationStarted && this.started) {
      this.operationStarted = true;
      this.milestone(M_STARTED, t, () => milestoneArgs);
    }
    timers.set(this.base + T_STATE, untilMs ?? t + this.dwell(category));
    timers.set(this.base + T_CYCLE, category === 'running' ? t + this.cycleMs() : Infinity);
  }

  private pickStateValue(category: SimCategory): SampleValue | null {
    if (this.p.stateTag === null) return null;
    if (category === 'down') return this.p.downValues.length > 0 ? this.ctx.rng.pick(this.p.downValues).value : null;
    const values = this.p.stateValues.get(category);
    return values !== undefined && values.length > 0 ? this.ctx.rng.pick(values) : null;
  }

  private dwell(category: SimCategory): number {
    const d = this.ctx.options.dwell;
    const mean =
      category === 'running'
        ? d.runningMs
        : category === 'idle'
          ? d.idleMs
          : category === 'down'
            ? d.downMs
            : category === 'setup'
              ? d.setupMs
              : d.plannedStopMs;
    return Math.max(MIN_DWELL_MS, Math.round(this.ctx.rng.exp(mean)));
  }

  // ---- production ----

  private cycleMs(): number {
    return Math.max(1, Math.round(this.cycleMeanMs * (1.02 + this.ctx.rng.exp(0.08))));
  }

  /** A machine that produces lots (the blanking line: a stack of blanks per coil). */
  private get producesLots(): boolean {
    return (this.p.milestoneTags[M_PRODUCED]?.length ?? 0) > 0;
  }

  private onCycle(t: number): void {
    const { rng, options: o, timers } = this.ctx;
    if (this.coilChange) {
      // The next coil's order goes on the order tags with its first cycle, after the scans of the
      // previous order's last one (released at that close, section 11: a signal holds from its ts).
      this.coilChange = false;
      this.publishOrder(t);
      if (!this.operationStarted) {
        this.operationStarted = true;
        this.milestone(M_STARTED, t, () => ({ orderRef: this.orderRef }));
      }
    }
    const scrap = rng.float() < o.scrapShare;
    const counters = this.p.counters;
    for (let i = 0; i < counters.length; i++) {
      const c = counters[i]!;
      if (c.counter === 'scrap' ? !scrap : c.counter === 'good' && scrap) continue;
      if (c.mode === 'delta') {
        this.pending[i]! += 1;
      } else {
        let v = this.totals[i]! + 1;
        if (c.rolloverAt !== null && v >= c.rolloverAt) v -= c.rolloverAt;
        this.totals[i] = v;
        this.out(c.tag, t, v, this.codeCounter);
      }
    }
    if (scrap) {
      this.orderScrap++;
      this.milestone(M_SCRAP, t, () => ({ orderRef: this.orderRef, quantity: 1 }));
    } else {
      this.orderGood++;
      if (++this.sinceQuantity >= o.quantityStep) this.completeQuantity(t);
    }
    const produces = this.producesLots;
    ++this.sinceLot;
    if (!produces && this.sinceLot >= o.lotSize) {
      // The machines that do not produce lots consume the stack produced last (semantics section 13).
      const consumed = this.ctx.latestLot() ?? this.lotRef;
      const quantity = this.sinceLot;
      this.milestone(M_LOT, t, () => ({ orderRef: this.orderRef, lotRef: consumed, quantity }), consumed);
      this.sinceLot = 0;
      this.lotRef = this.ctx.nextLotRef(t);
    }
    if (rng.float() < o.inspectionFailShare) {
      const characteristic = rng.pick(CHARACTERISTICS);
      this.milestone(M_INSPECTION, t, () => ({ orderRef: this.orderRef, characteristic }));
    }
    if (this.orderGood >= this.orderTarget) {
      if (this.sinceQuantity > 0) this.completeQuantity(t);
      if (produces) {
        // A lot producer runs one order per coil (Odoo: one producing lot per production of a
        // lot-tracked product): the coil is used up, its stack is done, both in this order.
        const coil = this.lotRef;
        const stack = `STK-${coil}`;
        const cycles = this.sinceLot;
        const good = this.orderGood;
        this.milestone(M_LOT, t, () => ({ orderRef: this.orderRef, lotRef: coil, quantity: cycles }), coil);
        this.milestone(M_PRODUCED, t, () => ({ orderRef: this.orderRef, lotRef: stack, quantity: good }), stack);
        this.ctx.producedLot(stack);
        this.sinceLot = 0;
      }
      this.milestone(M_CLOSED, t, () => ({
        orderRef: this.orderRef,
        quantity: this.orderGood,
        scrap: this.orderScrap,
      }));
      if (produces) {
        // A coil change, not a changeover: the next order is released now and runs from the next
        // cycle (a scan at the instant of an order change would belong to the new order, section 13).
        this.newOrder(t, false);
        this.coilChange = true;
        timers.set(this.base + T_CYCLE, t + this.cycleMs());
        return;
      }
      this.newOrder(t);
      if (canEnter(this.p, 'setup')) {
        this.enter(t, 'setup'); // changeover
        return;
      }
      this.operationStarted = true;
      this.milestone(M_STARTED, t, () => ({ orderRef: this.orderRef }));
    }
    timers.set(this.base + T_CYCLE, t + this.cycleMs());
  }

  private completeQuantity(t: number): void {
    const quantity = this.sinceQuantity;
    this.milestone(M_QUANTITY, t, () => ({ orderRef: this.orderRef, quantity, total: this.orderGood }));
    this.sinceQuantity = 0;
  }

  /** `publish` false: the order tags change later (a lot producer's next coil, at its first cycle). */
  private newOrder(t: number, publish = true): void {
    const o = this.ctx.options;
    this.orderRef = this.ctx.nextOrderRef(t);
    const min = o.orderQuantityMin ?? Math.max(1, Math.round(o.orderDurationMinMs / this.cycleMeanMs));
    const max = o.orderQuantityMax ?? Math.max(min, Math.round(o.orderDurationMaxMs / this.cycleMeanMs));
    // A lot producer's order is one coil: lotSize good units (one draw all the same, so the stream
    // of the other machines does not depend on whether a plant has a lot producer).
    const drawn = this.ctx.rng.range(min, max);
    this.orderTarget = this.producesLots ? o.lotSize : drawn;
    this.orderGood = 0;
    this.orderScrap = 0;
    this.sinceQuantity = 0;
    this.operationStarted = false;
    if (this.lotRef === '' || this.producesLots) this.lotRef = this.ctx.nextLotRef(t);
    this.milestone(M_RELEASED, t, () => ({ orderRef: this.orderRef, quantity: this.orderTarget }));
    if (publish) this.publishOrder(t);
  }

  /** The order in work on the machine's order tags (semantics section 11): at each change and after a silence. */
  private publishOrder(t: number): void {
    const tags = this.p.orderTags;
    for (let i = 0; i < tags.length; i++) this.out(tags[i]!, t, this.orderRef, this.codeOrder);
  }

  // ---- reports, heartbeats, silence ----

  private onRepeat(t: number): void {
    if (!this.started) {
      this.started = true;
      this.newOrder(t);
      if (this.category === 'running') {
        this.operationStarted = true;
        this.milestone(M_STARTED, t, () => ({ orderRef: this.orderRef }));
      }
    }
    this.report(t);
    this.ctx.timers.set(this.base + T_REPEAT, t + this.ctx.options.sampleIntervalMs);
  }

  /** The current state, every total counter, and the delta counts not yet sent. */
  private report(t: number): void {
    if (this.silent) return;
    const p = this.p;
    if (p.stateTag !== null && this.stateValue !== null) this.out(p.stateTag, t, this.stateValue, this.codeState);
    for (let i = 0; i < p.counters.length; i++) {
      const c = p.counters[i]!;
      if (c.mode === 'total') {
        this.out(c.tag, t, this.totals[i]!, this.codeCounter);
      } else if (this.pending[i]! > 0) {
        this.out(c.tag, t, this.pending[i]!, this.codeCounter);
        this.pending[i] = 0;
      }
    }
  }

  private emitHeartbeats(t: number): void {
    const tags = this.p.heartbeatTags;
    if (tags.length === 0) return;
    this.heartbeat = (this.heartbeat + 1) % 1_000_000;
    for (let i = 0; i < tags.length; i++) this.out(tags[i]!, t, this.heartbeat, this.codeHeartbeat);
  }

  private onSilence(t: number): void {
    const { rng, timers, options: o } = this.ctx;
    if (!this.silent) {
      // Samples at t itself may already be out: the silence covers [t+1, end).
      const timeout = this.p.silenceTimeoutMs;
      const factor = o.silenceFactorMin + rng.float() * (o.silenceFactorMax - o.silenceFactorMin);
      const endMs = t + 1 + Math.max(timeout + 1, Math.round(timeout * factor));
      this.silent = true;
      this.ctx.recordSilence(this.p.machineId, t + 1, endMs);
      timers.set(this.base + T_SILENCE, endMs);
    } else {
      this.silent = false;
      this.report(t);
      this.publishOrder(t);
      this.emitHeartbeats(t);
      const held = this.heldLots;
      this.heldLots = [];
      for (const h of held) this.milestone(h.kind, h.t, h.body, h.lot, t);
      timers.set(this.base + T_SILENCE, t + 1 + Math.round(rng.exp(o.silenceEveryMs)));
    }
  }

  // ---- emission ----

  private out(tag: string, t: number, value: SampleValue, code: number): void {
    if (!this.silent) this.ctx.emit(tag, t, value, code);
  }

  /**
   * `lot`: material milestones send the lot as their text value (semantics section 13), not the order.
   * `emitMs`: when a held scan is sent (its ts stays `t`).
   */
  private milestone(kind: number, t: number, body: () => Record<string, unknown>, lot?: string, emitMs?: number): void {
    const tags = this.p.milestoneTags[kind];
    if (tags === undefined || tags.length === 0) return;
    if (this.silent && emitMs === undefined && lot !== undefined && (kind === M_LOT || kind === M_PRODUCED)) {
      this.heldLots.push({ kind, t, body, lot });
      return;
    }
    const value =
      this.ctx.options.milestoneFormat === 'json'
        ? JSON.stringify(body())
        : lot !== undefined
          ? lot
          : // Where the work center publishes its order on an order tag, quantity and scrap tags send
            // bare counts, as MES tags do: the milestone takes the running order (semantics section 9).
            this.p.workCenterOrderTag && (kind === M_QUANTITY || kind === M_SCRAP)
            ? (body()['quantity'] as number)
            : this.orderRef;
    if (emitMs !== undefined) {
      // Sent after its instant, as a late sample (beyond the bound) or an out-of-order one.
      const flag = emitMs - t > this.ctx.options.outOfOrderBoundMs ? FLAG_LATE : FLAG_OUT_OF_ORDER;
      const code = emitMs > t ? withFlag(this.codeMilestone, flag, 0) : this.codeMilestone;
      for (let i = 0; i < tags.length; i++) this.ctx.emit(tags[i]!, t, value, code, emitMs);
      return;
    }
    for (let i = 0; i < tags.length; i++) this.out(tags[i]!, t, value, this.codeMilestone);
  }

  /** The scans held by a silence still running, sent now with their instants (the simulation ends). */
  flushHeld(t: number): void {
    const held = this.heldLots;
    this.heldLots = [];
    for (const h of held) this.milestone(h.kind, h.t, h.body, h.lot, t);
  }
}
