// A deterministic plant simulator: a pure generator of raw tag samples for the demo, `simulate`,
// tests and benchmarks. Seeded, no clock, no I/O. Simulated time moves only when a caller asks
// for samples: `next(untilMs)` (real time, faster, or in one go) or `nextCount(n)` / `take(n)`.
//
// One event loop over a fixed heap of timers (per machine: state change, production cycle,
// periodic re-report, heartbeat, silence; plus plant-wide breaks) and a heap of samples held
// back on purpose. The stream is a function of (plan, options) only: how a caller slices it
// (time or count, big or small steps) does not change it.
import type { PlantPlan } from '../core/plan.js';
import type { RawSample, SampleValue } from '../core/types.js';
import type { SampleAnnotation } from './annotation.js';
import {
  decodeAnnotation,
  FLAG_BAD,
  FLAG_DUPLICATE,
  FLAG_LATE,
  FLAG_OUT_OF_ORDER,
  KIND_COUNTER,
  withFlag,
} from './annotation.js';
import { DelayHeap, TimerHeap } from './heaps.js';
import type { MachineProfile } from './machine-profile.js';
import { buildMachineProfiles } from './machine-profile.js';
import type { ResolvedSimulatorOptions, SimulatorOptions } from './options.js';
import { resolveSimulatorOptions } from './options.js';
import { Prng } from './prng.js';
import { MachineModel, TIMERS_PER_MACHINE } from './machine-model.js';
import type { SimContext } from './machine-model.js';

export interface SilencePeriod {
  readonly machineId: string;
  /** No sample of the machine has a ts in [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
}

export interface PlantSimulator {
  readonly plan: PlantPlan;
  readonly options: ResolvedSimulatorOptions;
  /** The machines simulated, in plan order (or `options.machineIds` order). */
  readonly machineIds: readonly string[];
  /**
   * Every sample whose emission time is < untilMs and that was not returned before, in emission
   * order. With `annotations`, one annotation per returned sample is appended to it.
   */
  next(untilMs: number, annotations?: SampleAnnotation[]): RawSample[];
  /** The next `count` samples in emission order, however far simulated time must run. */
  nextCount(count: number, annotations?: SampleAnnotation[]): RawSample[];
  /** The next `count` samples one by one (chunks of `nextCount` underneath). */
  take(count: number): Generator<RawSample, void, undefined>;
  /** Silences begun so far (a silence may still be running), in start order. */
  silences(): readonly SilencePeriod[];
  /**
   * The simulation ends at `atMs` (the last `next` limit): the lot scans not sent yet (held by a
   * silence still running, or held back in transport as out of order or late), sent now with their
   * own instants, so no scan made before the end is lost (store and forward). Other samples still
   * held back stay unsent (telemetry in flight at the end). Call it once, last.
   */
  drain(atMs: number): RawSample[];
}

const CHUNK = 8192;
const NON_NUMERIC = ['#N/A', 'ERR', 'NaN', 'overflow'] as const;

export function createPlantSimulator(plan: PlantPlan, options: SimulatorOptions): PlantSimulator {
  return new Simulator(plan, resolveSimulatorOptions(plan, options));
}

/** All samples emitted before `untilMs` (with their annotations appended to `annotations`). */
export function simulateToArray(
  plan: PlantPlan,
  options: SimulatorOptions,
  untilMs: number,
  annotations?: SampleAnnotation[],
): RawSample[] {
  return createPlantSimulator(plan, options).next(untilMs, annotations);
}

class Simulator implements PlantSimulator, SimContext {
  readonly machineIds: readonly string[];
  readonly rng: Prng;
  readonly timers: TimerHeap;
  private readonly machines: MachineModel[];
  private readonly delayed = new DelayHeap();
  private readonly silenceLog: SilencePeriod[] = [];
  private readonly unknownTags: string[];
  private readonly breakTimer: number;
  // Emitted samples not yet handed out, in emission order, with their emission time and code.
  private readySamples: RawSample[] = [];
  private readyEmit: number[] = [];
  private readyCode: number[] = [];
  private delaySeq = 0;
  private orderSeq: number;
  private lotSeq: number;
  private lastLot: string | null = null;
  // Cumulative thresholds of the one uniform draw per sample.
  private readonly cutOoo: number;
  private readonly cutLate: number;
  private readonly cutDup: number;
  private readonly cutBad: number;

  constructor(
    readonly plan: PlantPlan,
    readonly options: ResolvedSimulatorOptions,
  ) {
    this.machineIds = options.machineIds;
    this.rng = new Prng(options.seed);
    const profiles: MachineProfile[] = buildMachineProfiles(plan, options.machineIds);
    this.breakTimer = profiles.length * TIMERS_PER_MACHINE;
    this.timers = new TimerHeap(this.breakTimer + 1);
    this.orderSeq = 1000 + this.rng.int(40_000);
    this.lotSeq = 100_000 + this.rng.int(400_000);
    this.unknownTags = [];
    for (let i = 0; this.unknownTags.length < 8; i++) {
      const tag = `${plan.plantId}.SIM_UNKNOWN_${String(i).padStart(2, '0')}`;
      if (!plan.tags.has(tag)) this.unknownTags.push(tag);
    }
    const o = options;
    this.cutOoo = o.outOfOrderShare;
    this.cutLate = this.cutOoo + o.lateShare;
    // Duplicates and bad samples are extra samples: p / (1 + p) of the output is p' = share.
    this.cutDup = this.cutLate + o.duplicateShare / (1 - o.duplicateShare);
    this.cutBad = this.cutDup + o.badShare / (1 - o.badShare);
    this.machines = profiles.map((p, i) => new MachineModel(this, p, i));
    for (const m of this.machines) m.start(o.startMs);
    if (o.breaks !== null) {
      const { everyMs, offsetMs } = o.breaks;
      const k = Math.floor((o.startMs - offsetMs) / everyMs) + 1;
      this.timers.set(this.breakTimer, k * everyMs + offsetMs);
    }
  }

  // ---- SimContext (called by the machine models) ----

  nextOrderRef(tsMs: number): string {
    this.orderSeq = this.orderSeq >= 99_999 ? 1 : this.orderSeq + 1;
    return `WO/${new Date(tsMs).getUTCFullYear()}/${String(this.orderSeq).padStart(5, '0')}`;
  }

  nextLotRef(tsMs: number): string {
    this.lotSeq = this.lotSeq >= 999_999 ? 100_000 : this.lotSeq + 1;
    return `LOT-${new Date(tsMs).getUTCFullYear()}-${this.lotSeq}`;
  }

  producedLot(lot: string): void {
    this.lastLot = lot;
  }

  latestLot(): string | null {
    return this.lastLot;
  }

  recordSilence(machineId: string, startMs: number, endMs: number): void {
    this.silenceLog.push({ machineId, startMs, endMs });
  }

  /**
   * Emits one valid sample at `emitMs` (default its `tsMs`, = now), perhaps held back, duplicated or
   * followed by a bad one.
   */
  emit(tag: string, tsMs: number, value: SampleValue, code: number, emitMs = tsMs): void {
    const sample: RawSample = { tag, tsMs, value, quality: 'good' };
    if (this.cutBad === 0) {
      this.pushReady(sample, emitMs, code);
      return;
    }
    const u = this.rng.float();
    if (u >= this.cutBad) {
      this.pushReady(sample, emitMs, code);
    } else if (u < this.cutOoo) {
      const delay = 1 + this.rng.int(this.options.outOfOrderBoundMs - 1);
      this.delayed.push({
        sample,
        emitMs: emitMs + delay,
        seq: this.delaySeq++,
        code: withFlag(code, FLAG_OUT_OF_ORDER, 0),
      });
    } else if (u < this.cutLate) {
      const delay = this.rng.range(this.options.lateMinMs, this.options.lateMaxMs);
      this.delayed.push({ sample, emitMs: emitMs + delay, seq: this.delaySeq++, code: withFlag(code, FLAG_LATE, 0) });
    } else if (u < this.cutDup) {
      this.pushReady(sample, emitMs, code);
      this.pushReady({ tag, tsMs, value, quality: 'good' }, emitMs, withFlag(code, FLAG_DUPLICATE, 0));
    } else {
      this.pushReady(sample, emitMs, code);
      this.pushBad(sample, code, emitMs);
    }
  }

  private pushBad(s: RawSample, code: number, emitMs: number): void {
    const isCounter = ((code >> 5) & 7) === KIND_COUNTER;
    const bad = this.rng.int(isCounter ? 4 : 3);
    const badCode = [0, 1, 3, 2][bad]!; // quality_bad, unknown_tag, timestamp_off, non_numeric_counter
    let sample: RawSample;
    switch (badCode) {
      case 0:
        sample = { tag: s.tag, tsMs: s.tsMs, value: s.value, quality: 'bad' };
        break;
      case 1:
        sample = { tag: this.rng.pick(this.unknownTags), tsMs: s.tsMs, value: s.value, quality: 'good' };
        break;
      case 3:
        sample = { tag: s.tag, tsMs: this.offTimestamp(s.tsMs), value: s.value, quality: 'good' };
        break;
      default:
        sample = { tag: s.tag, tsMs: s.tsMs, value: this.rng.pick(NON_NUMERIC), quality: 'good' };
    }
    this.pushReady(sample, emitMs, withFlag(code, FLAG_BAD, badCode));
  }

  /**
   * A timestamp decades off, the way real sources get it wrong: seconds sent as milliseconds
   * (1970), a PLC clock reset to its epoch (1970 + uptime), or microseconds sent as milliseconds
   * (tens of millennia ahead). All fall outside 2000..2100, so they are invalid in replays too.
   */
  private offTimestamp(tsMs: number): number {
    switch (this.rng.int(3)) {
      case 0:
        return Math.floor(tsMs / 1000);
      case 1:
        return this.rng.int(30 * 86_400_000);
      default:
        return tsMs * 1000;
    }
  }

  private pushReady(sample: RawSample, emitMs: number, code: number): void {
    this.readySamples.push(sample);
    this.readyEmit.push(emitMs);
    this.readyCode.push(code);
  }

  // ---- the event loop ----

  /** Runs one step whose time is < limit. False when there is none. */
  private step(limit: number): boolean {
    const delayedAt = this.delayed.topEmitMs();
    const timerAt = this.timers.topAt();
    if (delayedAt <= timerAt) {
      if (!(delayedAt < limit)) return false;
      const item = this.delayed.pop()!;
      this.pushReady(item.sample, item.emitMs, item.code);
      return true;
    }
    if (!(timerAt < limit)) return false;
    const id = this.timers.top();
    if (id === this.breakTimer) this.onBreak(timerAt);
    else this.machines[Math.floor(id / TIMERS_PER_MACHINE)]!.fire(id % TIMERS_PER_MACHINE, timerAt);
    return true;
  }

  private onBreak(atMs: number): void {
    const b = this.options.breaks!;
    for (const m of this.machines) m.startBreak(atMs, atMs + b.durationMs);
    this.timers.set(this.breakTimer, atMs + b.everyMs);
  }

  next(untilMs: number, annotations?: SampleAnnotation[]): RawSample[] {
    if (Number.isNaN(untilMs)) throw new RangeError('sim next(untilMs): expected a number of epoch ms, found NaN');
    while (this.step(untilMs));
    let end = 0;
    const emit = this.readyEmit;
    while (end < emit.length && emit[end]! < untilMs) end++;
    return this.handOut(end, annotations);
  }

  nextCount(count: number, annotations?: SampleAnnotation[]): RawSample[] {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`sim nextCount(count): expected an integer >= 0, found ${count}`);
    }
    while (this.readySamples.length < count && this.step(Infinity));
    return this.handOut(Math.min(count, this.readySamples.length), annotations);
  }

  *take(count: number): Generator<RawSample, void, undefined> {
    let left = count;
    while (left > 0) {
      const chunk = this.nextCount(Math.min(left, CHUNK));
      if (chunk.length === 0) return;
      for (let i = 0; i < chunk.length; i++) yield chunk[i]!;
      left -= chunk.length;
    }
  }

  silences(): readonly SilencePeriod[] {
    return this.silenceLog;
  }

  drain(atMs: number): RawSample[] {
    // What next(atMs) has not handed out yet stays first.
    const out = this.next(atMs);
    for (const m of this.machines) m.flushHeld(atMs);
    const isScan = (tag: string): boolean => {
      const t = this.plan.tags.get(tag);
      return (
        t !== undefined && t.kind === 'milestone' && (t.milestone === 'lot_consumed' || t.milestone === 'lot_produced')
      );
    };
    const kept = [];
    while (this.delayed.topEmitMs() < Infinity) {
      const item = this.delayed.pop()!;
      if (isScan(item.sample.tag)) this.pushReady(item.sample, Math.max(atMs, item.emitMs), item.code);
      else kept.push(item);
    }
    for (const item of kept) this.delayed.push(item);
    for (const s of this.handOut(this.readySamples.length, undefined)) out.push(s);
    return out;
  }

  /** Hands out the first `end` ready samples; the rest (a few, after `nextCount`) stay ready. */
  private handOut(end: number, annotations: SampleAnnotation[] | undefined): RawSample[] {
    const all = this.readySamples;
    const out = end === all.length ? all : all.slice(0, end);
    if (annotations !== undefined) {
      for (let i = 0; i < end; i++) {
        annotations.push(decodeAnnotation(this.readyCode[i]!, this.readyEmit[i]!, all[i]!.tsMs, this.machineIds));
      }
    }
    if (end === all.length) {
      this.readySamples = [];
      this.readyEmit = [];
      this.readyCode = [];
    } else {
      this.readySamples = all.slice(end);
      this.readyEmit = this.readyEmit.slice(end);
      this.readyCode = this.readyCode.slice(end);
    }
    return out;
  }
}
