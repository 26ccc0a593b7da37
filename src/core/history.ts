// Per-machine event history in event-time order. Everything the windowed lane computes is a pure
// function of this history, so a window closed late, a window recomputed for an amendment and a
// window of the batch reference all see the same rules.
//
// Order: (tsMs, tag, value key). Samples with the same ts on one machine are thereby ordered the
// same way whatever their arrival order. An exact duplicate (same tag, ts and value) is refused.
import { valueKey } from './plan.js';
import type { MachineEvent, StateCategory } from './types.js';

export const KIND_STATE = 0;
export const KIND_REASON = 1;
export const KIND_COUNTER = 2;
export const KIND_HEARTBEAT = 3;

/** One applied event, in the compact shape the window computation reads. */
export interface HistEvent {
  readonly tsMs: number;
  readonly kind: number;
  readonly tag: string;
  /** The raw value's key (duplicate detection and ordering). */
  readonly vkey: string;
  /** state: category; otherwise null. */
  readonly category: StateCategory | null;
  /** state (down) or reason: reason code; null when none. */
  readonly reason: string | null;
  /** counter: name, mode, raw amount, rollover. */
  readonly counter: string | null;
  readonly total: boolean;
  readonly amount: number;
  readonly rolloverAt: number;
  /** counter: the increase this sample adds (maintained on every insert). */
  inc: number;
  /** Folded in as a late sample (for the summary's `lateSamples`). */
  readonly late: boolean;
}

export function toHistEvent(event: MachineEvent, late: boolean): HistEvent | undefined {
  let kind: number;
  switch (event.kind) {
    case 'state':
      kind = KIND_STATE;
      break;
    case 'reason':
      kind = KIND_REASON;
      break;
    case 'counter':
      kind = KIND_COUNTER;
      break;
    case 'heartbeat':
      kind = KIND_HEARTBEAT;
      break;
    default:
      return undefined; // milestones do not enter the windowed lane
  }
  return {
    tsMs: event.tsMs,
    kind,
    tag: event.tag,
    vkey: valueKey(event.value),
    category: kind === KIND_STATE ? (event.category ?? 'unknown') : null,
    reason: event.reason ?? null,
    counter: kind === KIND_COUNTER ? (event.counter ?? 'count') : null,
    total: event.mode === 'total',
    amount: event.amount ?? 0,
    rolloverAt: event.rolloverAt ?? 0,
    inc: 0,
    late,
  };
}

/** The increase a total-counter sample adds after `prev` (semantics section 4). */
export function totalIncrease(prev: number, value: number, rolloverAt: number): number {
  if (value >= prev) return value - prev;
  if (rolloverAt > 0) return rolloverAt - prev + value;
  return value; // reset to zero, then counted up to `value`
}

function compareEvents(a: HistEvent, b: HistEvent): number {
  if (a.tsMs !== b.tsMs) return a.tsMs - b.tsMs;
  if (a.tag !== b.tag) return a.tag < b.tag ? -1 : 1;
  if (a.vkey === b.vkey) return 0;
  return a.vkey < b.vkey ? -1 : 1;
}

export class MachineHistory {
  /** All applied events of the machine, sorted. */
  readonly all: HistEvent[] = [];
  /** The state and reason samples alone, sorted (anchor look-ups by binary search). */
  readonly states: HistEvent[] = [];
  readonly reasons: HistEvent[] = [];

  constructor(
    readonly machineId: string,
    readonly workCenterId: string,
  ) {}

  /**
   * Inserts an event in order. Returns the index, or -1 for an exact duplicate (not applied).
   * Counter increases of the event and of the next sample of the same tag are kept right.
   */
  insert(ev: HistEvent): number {
    const all = this.all;
    const n = all.length;
    let idx: number;
    const last = all[n - 1];
    if (last === undefined || compareEvents(last, ev) < 0) {
      idx = n;
      all.push(ev);
    } else {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareEvents(all[mid]!, ev) < 0) lo = mid + 1;
        else hi = mid;
      }
      const at = all[lo];
      if (at !== undefined && compareEvents(at, ev) === 0) return -1;
      idx = lo;
      all.splice(lo, 0, ev);
    }
    if (ev.kind === KIND_COUNTER) this.fixIncrements(idx);
    else if (ev.kind === KIND_STATE) insertSorted(this.states, ev);
    else if (ev.kind === KIND_REASON) insertSorted(this.reasons, ev);
    return idx;
  }

  /** The last state (or reason) sample with tsMs < t. */
  lastStateBefore(t: number): HistEvent | undefined {
    return lastBefore(this.states, t);
  }

  lastReasonBefore(t: number): HistEvent | undefined {
    return lastBefore(this.reasons, t);
  }

  private fixIncrements(idx: number): void {
    const ev = this.all[idx]!;
    if (!ev.total) {
      ev.inc = ev.amount;
      return;
    }
    const prev = this.findSameTag(idx, -1);
    ev.inc = prev === undefined ? 0 : totalIncrease(prev.amount, ev.amount, ev.rolloverAt);
    const next = this.findSameTag(idx, 1);
    if (next !== undefined) next.inc = totalIncrease(ev.amount, next.amount, next.rolloverAt);
  }

  private findSameTag(idx: number, step: 1 | -1): HistEvent | undefined {
    const all = this.all;
    const tag = all[idx]!.tag;
    for (let i = idx + step; i >= 0 && i < all.length; i += step) {
      const e = all[i]!;
      if (e.tag === tag) return e;
    }
    return undefined;
  }

  /** Index of the first event with tsMs >= t. */
  lowerBound(t: number): number {
    const all = this.all;
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (all[mid]!.tsMs < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where `ev` would be inserted, or -1 when it is an exact duplicate of an applied event. */
  insertionIndex(ev: HistEvent): number {
    const all = this.all;
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEvents(all[mid]!, ev) < 0) lo = mid + 1;
      else hi = mid;
    }
    const at = all[lo];
    return at !== undefined && compareEvents(at, ev) === 0 ? -1 : lo;
  }

  /**
   * The last instant whose figures `ev`, inserted at `pos`, can change: a state or reason sample
   * holds until the next sample of its tag; a counter sample changes the increase of the next
   * sample of its tag; every sample moves the machine's last-seen instant until the next sample.
   * Infinity when the influence is open-ended.
   */
  influenceEndMs(ev: HistEvent, pos: number): number {
    const all = this.all;
    const nextAny = all[pos];
    let end = nextAny === undefined ? Infinity : nextAny.tsMs;
    if (ev.kind === KIND_HEARTBEAT) return end;
    let nextSame: HistEvent | undefined;
    for (let i = pos; i < all.length; i++) {
      if (all[i]!.tag === ev.tag) {
        nextSame = all[i];
        break;
      }
    }
    if (nextSame === undefined) {
      if (ev.kind !== KIND_COUNTER) return Infinity;
    } else if (nextSame.tsMs > end) end = nextSame.tsMs;
    return end;
  }

  /**
   * Drops events before cutMs, keeping for each tag its last event before the cut (the anchors
   * that define the state, reason, last-seen instant and counter baselines at the cut).
   */
  prune(cutMs: number): void {
    const all = this.all;
    const firstKept = this.lowerBound(cutMs);
    if (firstKept === 0) return;
    const anchors = new Map<string, HistEvent>();
    for (let i = 0; i < firstKept; i++) anchors.set(all[i]!.tag, all[i]!);
    if (anchors.size >= firstKept) return;
    const kept = [...anchors.values()].sort(compareEvents);
    all.splice(0, firstKept, ...kept);
    this.states.length = 0;
    this.reasons.length = 0;
    for (const e of all) {
      if (e.kind === KIND_STATE) this.states.push(e);
      else if (e.kind === KIND_REASON) this.reasons.push(e);
    }
  }
}

function insertSorted(arr: HistEvent[], ev: HistEvent): void {
  const last = arr[arr.length - 1];
  if (last === undefined || compareEvents(last, ev) < 0) {
    arr.push(ev);
    return;
  }
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEvents(arr[mid]!, ev) < 0) lo = mid + 1;
    else hi = mid;
  }
  arr.splice(lo, 0, ev);
}

function lastBefore(arr: readonly HistEvent[], t: number): HistEvent | undefined {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.tsMs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : arr[lo - 1];
}
