// Per-machine event history in event-time order. Everything the windowed lane computes is a pure
// function of this history, so a window closed late, a window recomputed for an amendment and a
// window of the batch reference all see the same rules.
//
// Order: (tsMs, tag, value key). Samples with the same ts on one machine are thereby ordered the
// same way whatever their arrival order. An exact duplicate (same tag, ts and value) is refused.
//
// Layout: fixed 40-byte rows in one ArrayBuffer per machine, grown by doubling (bench/README.md:
// 40 bytes per event instead of a 13-field object, and nothing per event for the GC to trace).
// Rows rather than one array per field: an insert touches one cache line, not seven. Strings
// (tags, value keys, reasons) and counter specs are interned in a HistoryDict shared by the
// processor's machines. A numeric value is not interned: its key is String(value), kept as the
// number itself in the `amt` column (counters: the amount) with vk = -1.
import { valueKey } from './plan.js';
import type { MachineEvent, StateCategory } from './types.js';
import { STATE_CATEGORIES } from './types.js';

export const KIND_STATE = 0;
export const KIND_REASON = 1;
export const KIND_COUNTER = 2;
export const KIND_HEARTBEAT = 3;
/**
 * `info` column: bits 0-1 kind, bit 2 late, bits 3-30 the event's running order (order tagging,
 * core/orders.ts) as interned string id + 1, 0 for none. Untagged histories have info < 8, so
 * their rows and snapshots are what they were before tagging existed.
 */
export const INFO_LATE = 4;
export const KIND_MASK = 3;
export const INFO_ORDER_SHIFT = 3;
/** `info & INFO_FLAGS`: kind and late, without the order. */
export const INFO_FLAGS = 7;

/** Counter roles: where a counter's increase goes in a summary. */
export const ROLE_GOOD = 0;
export const ROLE_SCRAP = 1;
export const ROLE_OTHER = 2;
/** Inspections (docs/semantics.md section 9.4): one unit per inspection milestone. */
export const ROLE_INSPECTION_PASSED = 3;
export const ROLE_INSPECTION_FAILED = 4;
/**
 * The counter names an inspection milestone is kept under in a history (a delta counter of 1, so
 * that duplicates, late arrival, amendments, checkpoints and order attribution are the counters'
 * own). A topology counter name starts with a letter and canonical counter events may not start
 * with '#', so these never meet a plant's counter.
 */
export const INSPECTION_PASSED_COUNTER = '#inspection_passed';
export const INSPECTION_FAILED_COUNTER = '#inspection_failed';

function counterRole(name: string): number {
  switch (name) {
    case 'good':
      return ROLE_GOOD;
    case 'scrap':
      return ROLE_SCRAP;
    case INSPECTION_PASSED_COUNTER:
      return ROLE_INSPECTION_PASSED;
    case INSPECTION_FAILED_COUNTER:
      return ROLE_INSPECTION_FAILED;
    default:
      return ROLE_OTHER;
  }
}

export interface CounterSpec {
  readonly name: string;
  readonly total: boolean;
  readonly rolloverAt: number;
  readonly role: number;
}

/** A numeric value key is stored as the number (vk = NUMERIC_VK); others by interned string id. */
export const NUMERIC_VK = -1;

const UNKNOWN_INDEX = STATE_CATEGORIES.indexOf('unknown');

function categoryIndex(category: string | undefined | null): number {
  if (category === undefined || category === null) return UNKNOWN_INDEX;
  for (let k = 0; k < STATE_CATEGORIES.length; k++) if (STATE_CATEGORIES[k] === category) return k;
  return UNKNOWN_INDEX;
}

/** One tag of a machine. */
export interface TagSlot {
  readonly tag: string;
  readonly tagId: number;
  /** Position among the machine's tags in string order. */
  rank: number;
  /** Index of the tag's last event, -1 when none. */
  last: number;
  /** The counter spec the tag used last (saves a dictionary look-up per sample). */
  counter: string | undefined;
  total: boolean;
  rolloverAt: number;
  spec: number;
}

/** Interned strings and counter specs, shared by the histories of one processor. */
export class HistoryDict {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  readonly counters: CounterSpec[] = [];
  private readonly counterIds = new Map<string, number>();

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  counterId(name: string, total: boolean, rolloverAt: number): number {
    const key = `${name}\u0000${total ? 1 : 0}\u0000${rolloverAt}`;
    let id = this.counterIds.get(key);
    if (id === undefined) {
      id = this.counters.length;
      this.counters.push({ name, total, rolloverAt, role: counterRole(name) });
      this.counterIds.set(key, id);
    }
    return id;
  }
}

/** The increase a total-counter sample adds after `prev` (docs/semantics.md section 4). */
export function totalIncrease(prev: number, value: number, rolloverAt: number): number {
  if (value >= prev) return value - prev;
  if (rolloverAt > 0) return rolloverAt - prev + value;
  return value; // reset to zero, then counted up to `value`
}

/** State payload: category index + 8 * (reason id + 1); reason payload: reason id + 1 (0: none). */
export function stateCategory(pay: number): StateCategory {
  return STATE_CATEGORIES[pay & 7]!;
}

const INITIAL_CAPACITY = 64;
/**
 * Row layout, 40 bytes: as float64 words [ts, amt, inc], then as int32 words [tag, vk, pay, info]
 * at int32 offsets 6..9. Read row i with `f[i * F_STRIDE + F_TS]`, `w[i * W_STRIDE + W_INFO]`, ...
 */
export const ROW_BYTES = 40;
export const F_STRIDE = 5;
export const W_STRIDE = 10;
/** Event time. */
export const F_TS = 0;
/** Counter amount, or the numeric raw value of other kinds (its value key is String(amt)). */
export const F_AMT = 1;
/** Counter increase (maintained on every insert); 0 for other kinds. */
export const F_INC = 2;
/** The machine's tag slot (see slotTag); slots are ranked by tag string for ordering. */
export const W_TAG = 6;
/** Interned value key, or NUMERIC_VK. */
export const W_VK = 7;
/** state/reason payload (see stateCategory), counter spec id, 0 for heartbeats. */
export const W_PAY = 8;
/** kind | INFO_LATE */
export const W_INFO = 9;

export class MachineHistory {
  /** Number of applied events (columns hold `n` valid entries, sorted). */
  n = 0;
  /** Rows as float64 words and as int32 words (two views of one buffer). */
  f!: Float64Array;
  w!: Int32Array;
  /** Row capacity. */
  private cap = 0;
  /** Sorted ts of the state and reason samples alone (anchor look-ups by binary search). */
  private stTs: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private stN = 0;
  private rsTs: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private rsN = 0;
  /** The machine's tags by slot (rows hold the slot). One object per tag: one cache line. */
  readonly slots: TagSlot[] = [];
  /** The slots' tags alone (the per-event scan reads one small array). */
  private readonly slotTags: string[] = [];

  // The pending event: encoded once by `stage`, then probed and inserted without allocation.
  private pTs = 0;
  private pTag = 0;
  private pVk = 0;
  private pAmt = 0;
  private pPay = 0;
  private pInfo = 0;
  /** The last running order staged and its interned id (consecutive events mostly share one). */
  private lastOrder: string | undefined;
  private lastOrderId = 0;

  // Incremental checkpoints (docs/architecture.md, "Checkpoints"): what changed since the last
  // mark, as data. Rows [0, ckHead) are new (prune anchors); rows [ckHead, ckDirty) are the
  // marked rows [ckSkip, ckSkip + ckDirty - ckHead), unchanged; rows from ckDirty on are new or
  // changed. ckWhole: no relation to the marked rows (a new machine).
  ckHead = 0;
  ckSkip = 0;
  ckDirty = 0;
  ckWhole = true;
  /** Listed as changed since the mark by the processor (which lists each machine once). */
  ckChanged = false;

  constructor(
    readonly machineId: string,
    readonly workCenterId: string,
    readonly dict: HistoryDict,
    /** Order tagging: keep each event's running order (else tags are ignored, rows stay untagged). */
    readonly keepOrders: boolean = false,
  ) {
    this.allocate(INITIAL_CAPACITY, 0);
  }

  /** The current rows become the marked ones (a checkpoint covers them). */
  markCheckpoint(): void {
    this.ckHead = 0;
    this.ckSkip = 0;
    this.ckDirty = this.n;
    this.ckWhole = false;
    this.ckChanged = false;
  }

  /** (Re)allocates the rows with `capacity`, keeping the first `keep` events. */
  private allocate(capacity: number, keep: number): void {
    const buf = new ArrayBuffer(capacity * ROW_BYTES);
    const f = new Float64Array(buf);
    if (keep > 0) f.set(this.f.subarray(0, keep * F_STRIDE));
    this.f = f;
    this.w = new Int32Array(buf);
    this.cap = capacity;
  }

  // Row accessors (row i < n). Small enough for V8 to inline: readers need no stride arithmetic.

  /** Event time of row i. */
  tsAt(i: number): number {
    return this.f[i * F_STRIDE]!;
  }

  /** Counter increase of row i (0 for other kinds). */
  incAt(i: number): number {
    return this.f[i * F_STRIDE + F_INC]!;
  }

  /** Info word of row i: kind, late flag and running order (see INFO_*). */
  infoAt(i: number): number {
    return this.w[i * W_STRIDE + W_INFO]!;
  }

  /** Kind of row i (KIND_*). */
  kindAt(i: number): number {
    return this.w[i * W_STRIDE + W_INFO]! & KIND_MASK;
  }

  /** Payload of row i: state/reason payload (see stateCategory) or counter spec id. */
  payAt(i: number): number {
    return this.w[i * W_STRIDE + W_PAY]!;
  }

  /** Copies rows [from, to) to start at `target` (overlap allowed). */
  private moveRows(target: number, from: number, to: number): void {
    this.f.copyWithin(target * F_STRIDE, from * F_STRIDE, to * F_STRIDE);
  }

  /** The slot of a tag of this machine (created on first use; slots are never removed). */
  slotOf(tag: string): number {
    const tags = this.slotTags;
    for (let k = 0; k < tags.length; k++) if (tags[k] === tag) return k;
    const slots = this.slots;
    const slot = slots.length;
    tags.push(tag);
    slots.push({
      tag,
      tagId: this.dict.id(tag),
      rank: 0,
      last: -1,
      counter: undefined,
      total: false,
      rolloverAt: 0,
      spec: -1,
    });
    // Ranks follow string order, so comparing ranks compares tags.
    const order = slots
      .map((_, k) => k)
      .sort((x, y) => (slots[x]!.tag < slots[y]!.tag ? -1 : slots[x]!.tag > slots[y]!.tag ? 1 : 0));
    for (let r = 0; r < order.length; r++) slots[order[r]!]!.rank = r;
    return slot;
  }

  /**
   * Encodes `event` as the pending event. Returns false for kinds that do not enter the windowed
   * lane (milestones, watermarks).
   */
  stage(event: MachineEvent, slot: number, late: boolean): boolean {
    let kind: number;
    let pay = 0;
    const dict = this.dict;
    switch (event.kind) {
      case 'state': {
        kind = KIND_STATE;
        const cat = categoryIndex(event.category);
        pay = cat + 8 * (event.reason === undefined ? 0 : dict.id(event.reason) + 1);
        break;
      }
      case 'reason':
        kind = KIND_REASON;
        pay = event.reason === undefined ? 0 : dict.id(event.reason) + 1;
        break;
      case 'counter': {
        kind = KIND_COUNTER;
        const name = event.counter ?? 'count';
        const total = event.mode === 'total';
        const rollover = event.rolloverAt ?? 0;
        const s = this.slots[slot]!;
        if (s.counter === name && s.total === total && s.rolloverAt === rollover) {
          pay = s.spec;
        } else {
          pay = dict.counterId(name, total, rollover);
          s.counter = name;
          s.total = total;
          s.rolloverAt = rollover;
          s.spec = pay;
        }
        break;
      }
      case 'heartbeat':
        kind = KIND_HEARTBEAT;
        break;
      default:
        return false;
    }
    const value = event.value;
    let vk: number;
    let amt: number;
    if (kind === KIND_COUNTER) {
      amt = event.amount ?? 0;
      vk =
        (typeof value === 'number' && value === amt) || (typeof value === 'string' && value === String(amt))
          ? NUMERIC_VK
          : dict.id(valueKey(value));
    } else if (typeof value === 'number') {
      amt = value;
      vk = NUMERIC_VK;
    } else {
      amt = 0;
      vk = dict.id(valueKey(value));
    }
    this.pTs = event.tsMs;
    this.pTag = slot;
    this.pVk = vk;
    this.pAmt = amt;
    this.pPay = pay;
    let info = kind | (late ? INFO_LATE : 0);
    // Interned ids stay far below 2^27 (a dictionary that large would not fit in memory first).
    const order = event.runningOrder;
    if (this.keepOrders && order !== undefined) {
      if (order !== this.lastOrder) {
        this.lastOrder = order;
        this.lastOrderId = dict.id(order);
      }
      info |= (this.lastOrderId + 1) << INFO_ORDER_SHIFT;
    }
    this.pInfo = info;
    return true;
  }

  /** The pending event's value key as a string (ordering of equal ts and tag; rare). */
  private vkeyOf(vk: number, amt: number): string {
    return vk === NUMERIC_VK ? String(amt) : this.dict.strings[vk]!;
  }

  /** Compares applied event i with the pending event: (ts, tag, value key). */
  private comparePending(i: number): number {
    const a = this.f[i * F_STRIDE]!;
    if (a !== this.pTs) return a < this.pTs ? -1 : 1;
    const ta = this.w[i * W_STRIDE + W_TAG]!;
    if (ta !== this.pTag) return this.slots[ta]!.rank - this.slots[this.pTag]!.rank;
    const va = this.w[i * W_STRIDE + W_VK]!;
    const x = this.f[i * F_STRIDE + F_AMT]!;
    if (va === NUMERIC_VK && this.pVk === NUMERIC_VK) {
      if (x === this.pAmt) return 0;
      const ka = String(x);
      const kb = String(this.pAmt);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    }
    if (va === this.pVk) return 0;
    const ka = this.vkeyOf(va, x);
    const kb = this.vkeyOf(this.pVk, this.pAmt);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }

  /** Where the pending event would be inserted, or -1 when it is an exact duplicate of an applied event. */
  pendingIndex(): number {
    const n = this.n;
    if (n === 0) return 0;
    const c = this.comparePending(n - 1);
    if (c < 0) return n;
    if (c === 0) return -1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.comparePending(mid) < 0) lo = mid + 1;
      else hi = mid;
    }
    return this.comparePending(lo) === 0 ? -1 : lo;
  }

  /**
   * Inserts the pending event in order. Returns the index, or -1 for an exact duplicate (not
   * applied). Counter increases of the event and of the next sample of the same tag are kept right.
   */
  insertPending(): number {
    const idx = this.pendingIndex();
    if (idx < 0) return -1;
    const n = this.n;
    if (n === this.cap) this.allocate(n * 2, n);
    if (idx < n) {
      this.moveRows(idx + 1, idx, n);
      const slots = this.slots;
      for (let k = 0; k < slots.length; k++) if (slots[k]!.last >= idx) slots[k]!.last++;
    }
    this.writeRow(idx, this.pTs, this.pAmt, 0, this.pTag, this.pVk, this.pPay, this.pInfo);
    this.n = n + 1;
    // Rows from idx on moved or changed (a counter's next increase lies after idx as well).
    if (idx < this.ckDirty) {
      if (idx < this.ckHead) this.ckWhole = true;
      this.ckDirty = idx;
    }
    // The previous event of the same tag (before updating the tag's last index).
    const slot = this.slots[this.pTag]!;
    const lastOfTag = slot.last;
    const kind = this.pInfo & KIND_MASK;
    if (kind === KIND_COUNTER) this.fixIncrements(idx, idx === n ? lastOfTag : -2);
    if (idx > lastOfTag) slot.last = idx;
    if (kind === KIND_STATE) {
      if (this.stN === this.stTs.length) this.stTs = growF64(this.stTs, this.stN * 2);
      this.stN = insertTs(this.stTs, this.stN, this.pTs);
    } else if (kind === KIND_REASON) {
      if (this.rsN === this.rsTs.length) this.rsTs = growF64(this.rsTs, this.rsN * 2);
      this.rsN = insertTs(this.rsTs, this.rsN, this.pTs);
    }
    return idx;
  }

  /** `prevHint`: index of the previous event of the tag when known (in-order append), else -2. */
  private fixIncrements(idx: number, prevHint: number): void {
    const spec = this.dict.counters[this.w[idx * W_STRIDE + W_PAY]!]!;
    const amount = this.f[idx * F_STRIDE + F_AMT]!;
    if (!spec.total) {
      this.f[idx * F_STRIDE + F_INC] = amount;
      return;
    }
    const prev = prevHint === -2 ? this.findSameTag(idx, -1) : prevHint;
    this.f[idx * F_STRIDE + F_INC] =
      prev < 0 ? 0 : totalIncrease(this.f[prev * F_STRIDE + F_AMT]!, amount, spec.rolloverAt);
    if (prevHint !== -2) return; // appended: nothing after it
    const next = this.findSameTag(idx, 1);
    if (next >= 0)
      this.f[next * F_STRIDE + F_INC] = totalIncrease(
        amount,
        this.f[next * F_STRIDE + F_AMT]!,
        this.dict.counters[this.w[next * W_STRIDE + W_PAY]!]!.rolloverAt,
      );
  }

  private findSameTag(idx: number, step: 1 | -1): number {
    const w = this.w;
    const t = w[idx * W_STRIDE + W_TAG]!;
    const n = this.n;
    for (let i = idx + step; i >= 0 && i < n; i += step) if (w[i * W_STRIDE + W_TAG] === t) return i;
    return -1;
  }

  /** Index of the last state (or reason) sample with ts < t, or -1. */
  lastStateBefore(t: number): number {
    return this.lastOfKindBefore(this.stTs, this.stN, KIND_STATE, t);
  }

  lastReasonBefore(t: number): number {
    return this.lastOfKindBefore(this.rsTs, this.rsN, KIND_REASON, t);
  }

  private lastOfKindBefore(tsArr: Float64Array, count: number, kind: number, t: number): number {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tsArr[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return -1;
    const at = tsArr[lo - 1]!;
    // The last event of that kind among the events at `at` (sorted by tag and value key).
    let found = -1;
    const f = this.f;
    const w = this.w;
    for (let i = this.lowerBound(at); i < this.n && f[i * F_STRIDE] === at; i++)
      if ((w[i * W_STRIDE + W_INFO]! & KIND_MASK) === kind) found = i;
    return found;
  }

  /** Index of the first event with tsMs >= t. */
  lowerBound(t: number): number {
    const f = this.f;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (f[mid * F_STRIDE]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The last instant whose figures the pending event, inserted at `pos`, can change: a state or
   * reason sample holds until the next sample of its tag; a counter sample changes the increase
   * of the next sample of its tag; every sample moves the machine's last-seen instant until the
   * next sample. Infinity when the influence is open-ended.
   */
  pendingInfluenceEndMs(pos: number): number {
    const n = this.n;
    let end = pos < n ? this.f[pos * F_STRIDE]! : Infinity;
    const kind = this.pInfo & KIND_MASK;
    if (kind === KIND_HEARTBEAT) return end;
    let nextSame = -1;
    for (let i = pos; i < n; i++) {
      if (this.w[i * W_STRIDE + W_TAG] === this.pTag) {
        nextSame = i;
        break;
      }
    }
    if (nextSame < 0) {
      if (kind !== KIND_COUNTER) return Infinity;
    } else if (this.f[nextSame * F_STRIDE]! > end) end = this.f[nextSame * F_STRIDE]!;
    return end;
  }

  /**
   * Drops events before cutMs, keeping for each tag its last event before the cut (the anchors
   * that define the state, reason, last-seen instant and counter baselines at the cut). Compacts
   * in place: anchors keep their relative order, which is the sorted order.
   */
  prune(cutMs: number): boolean {
    const firstKept = this.lowerBound(cutMs);
    if (firstKept === 0) return false;
    const slots = this.slots;
    // Anchor of each tag: its last event before firstKept.
    const anchors: number[] = [];
    for (let k = 0; k < slots.length; k++) {
      let a = slots[k]!.last;
      if (a >= firstKept) a = this.findSameTagBefore(k, firstKept);
      if (a >= 0) anchors.push(a);
    }
    if (anchors.length >= firstKept) return false;
    anchors.sort((x, y) => x - y);
    let k = 0;
    for (const a of anchors) this.moveRows(k++, a, a + 1);
    const n = this.n;
    this.moveRows(k, firstKept, n);
    this.n = n - (firstKept - k);
    this.rebuildIndexes();
    // Rows now: the anchors (new), then the rows from firstKept on. Of the unchanged segment
    // [ckHead, ckDirty), what lies before firstKept is gone; head rows after it stay new.
    const a = anchors.length;
    const head = this.ckHead;
    const dropped = Math.max(0, firstKept - head);
    this.ckHead = a + Math.max(0, head - firstKept);
    this.ckDirty = a + Math.max(0, this.ckDirty - firstKept);
    this.ckSkip += dropped;
    return true;
  }

  private findSameTagBefore(slot: number, before: number): number {
    for (let i = before - 1; i >= 0; i--) if (this.w[i * W_STRIDE + W_TAG] === slot) return i;
    return -1;
  }

  /** Recomputes the per-kind ts indexes and the per-tag last indexes from the columns. */
  rebuildIndexes(): void {
    this.stN = 0;
    this.rsN = 0;
    for (const slot of this.slots) slot.last = -1;
    for (let i = 0; i < this.n; i++) {
      const kind = this.w[i * W_STRIDE + W_INFO]! & KIND_MASK;
      const t = this.f[i * F_STRIDE]!;
      if (kind === KIND_STATE) {
        if (this.stN === this.stTs.length) this.stTs = growF64(this.stTs, this.stN * 2);
        this.stTs[this.stN++] = t;
      } else if (kind === KIND_REASON) {
        if (this.rsN === this.rsTs.length) this.rsTs = growF64(this.rsTs, this.rsN * 2);
        this.rsTs[this.rsN++] = t;
      }
      this.slots[this.w[i * W_STRIDE + W_TAG]!]!.last = i;
    }
  }

  /**
   * Appends an already encoded event at the end (snapshot restore: events come sorted, with
   * their increases). Call rebuildIndexes() after the last one.
   */
  appendEncoded(ts: number, tag: string, vk: number, amt: number, inc: number, pay: number, info: number): void {
    const n = this.n;
    if (n === this.cap) this.allocate(n * 2, n);
    this.writeRow(n, ts, amt, inc, this.slotOf(tag), vk, pay, info);
    this.n = n + 1;
  }

  /** A copy of rows [from, to) (raw words: slots and ids of this history). */
  copyRows(from: number, to: number): Float64Array {
    return this.f.slice(from * F_STRIDE, to * F_STRIDE);
  }

  /** Appends `count` rows copied by copyRows from this history. Call rebuildIndexes() after. */
  appendRows(rows: Float64Array, count: number): void {
    const n = this.n;
    let cap = this.cap;
    while (n + count > cap) cap *= 2;
    if (cap !== this.cap) this.allocate(cap, n);
    this.f.set(rows.subarray(0, count * F_STRIDE), n * F_STRIDE);
    this.n = n + count;
  }

  private writeRow(
    i: number,
    ts: number,
    amt: number,
    inc: number,
    tag: number,
    vk: number,
    pay: number,
    info: number,
  ): void {
    const fo = i * F_STRIDE;
    const wo = i * W_STRIDE;
    this.f[fo] = ts;
    this.f[fo + F_AMT] = amt;
    this.f[fo + F_INC] = inc;
    this.w[wo + W_TAG] = tag;
    this.w[wo + W_VK] = vk;
    this.w[wo + W_PAY] = pay;
    this.w[wo + W_INFO] = info;
  }

  /** Bytes held by the columns and indexes (capacity, not just the used part). */
  byteLength(): number {
    return this.cap * ROW_BYTES + this.stTs.byteLength + this.rsTs.byteLength;
  }
}

function growF64(a: Float64Array, capacity: number): Float64Array {
  const b = new Float64Array(Math.max(INITIAL_CAPACITY, capacity));
  b.set(a.subarray(0, Math.min(a.length, b.length)));
  return b;
}

/** Inserts t into the sorted prefix a[0..n) (after equal values); returns the new count. */
function insertTs(a: Float64Array, n: number, t: number): number {
  if (n === 0 || a[n - 1]! <= t) {
    a[n] = t;
    return n + 1;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  a.copyWithin(lo + 1, lo, n);
  a[lo] = t;
  return n + 1;
}

/**
 * One machine's history in a snapshot (versions 2 and 3): columns as plain number arrays. `ts` is
 * delta-encoded (first value absolute); string and counter-spec ids index the snapshot's own
 * tables. Sparse columns hold only the events that use them, in order: `amt` for counters and
 * numeric values, `inc` for counters, `pay` for everything but heartbeats. `info` is the row's
 * info word with the running order (version 3 only) as snapshot string id + 1 in bits 3-30.
 */
export interface EncodedHistory {
  readonly ts: number[];
  readonly tag: number[];
  readonly vk: number[];
  readonly amt: number[];
  readonly inc: number[];
  readonly pay: number[];
  readonly info: number[];
}

/** The string and counter-spec tables of one snapshot, holding only what the histories use. */
export class SnapshotTables {
  readonly strings: string[] = [];
  /** True once an encoded row carried a running order (such snapshots are version 3). */
  tagged = false;
  private readonly stringIds = new Map<string, number>();
  /** [name string id, total 0|1, rolloverAt] */
  readonly counters: [number, number, number][] = [];
  private readonly counterIds = new Map<number, number>();

  constructor(private readonly dict: HistoryDict) {}

  string(dictId: number): number {
    const s = this.dict.strings[dictId]!;
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  counter(dictId: number): number {
    let id = this.counterIds.get(dictId);
    if (id === undefined) {
      const c = this.dict.counters[dictId]!;
      id = this.counters.length;
      this.counters.push([this.string(this.dict.id(c.name)), c.total ? 1 : 0, c.rolloverAt]);
      this.counterIds.set(dictId, id);
    }
    return id;
  }
}

function encodePay(kind: number, pay: number, tables: SnapshotTables): number {
  if (kind === KIND_STATE) return (pay & 7) + 8 * (pay >> 3 === 0 ? 0 : tables.string((pay >> 3) - 1) + 1);
  if (kind === KIND_REASON) return pay === 0 ? 0 : tables.string(pay - 1) + 1;
  return tables.counter(pay);
}

function decodePay(
  kind: number,
  pay: number,
  strings: readonly string[],
  counters: readonly (readonly [number, number, number])[],
  dict: HistoryDict,
): number {
  if (kind === KIND_STATE) return (pay & 7) + 8 * (pay >> 3 === 0 ? 0 : dict.id(strings[(pay >> 3) - 1]!) + 1);
  if (kind === KIND_REASON) return pay === 0 ? 0 : dict.id(strings[pay - 1]!) + 1;
  const c = counters[pay]!;
  return dict.counterId(strings[c[0]]!, c[1] === 1, c[2]);
}

export function encodeHistory(m: MachineHistory, tables: SnapshotTables): EncodedHistory {
  return encodeRows(m, tables, 0, m.n);
}

/** Rows [from, to) of a history, encoded as a snapshot's (ts delta-encoded from the first row). */
export function encodeRows(m: MachineHistory, tables: SnapshotTables, from: number, to: number): EncodedHistory {
  const out: EncodedHistory = { ts: [], tag: [], vk: [], amt: [], inc: [], pay: [], info: [] };
  let prevTs = 0;
  for (let i = from; i < to; i++) {
    const t = m.f[i * F_STRIDE]!;
    out.ts.push(t - prevTs);
    prevTs = t;
    out.tag.push(tables.string(m.slots[m.w[i * W_STRIDE + W_TAG]!]!.tagId));
    const vk = m.w[i * W_STRIDE + W_VK]!;
    out.vk.push(vk === NUMERIC_VK ? NUMERIC_VK : tables.string(vk));
    const info = m.w[i * W_STRIDE + W_INFO]!;
    const kind = info & KIND_MASK;
    const order = info >>> INFO_ORDER_SHIFT;
    if (order === 0) out.info.push(info);
    else {
      tables.tagged = true;
      out.info.push((info & INFO_FLAGS) | ((tables.string(order - 1) + 1) << INFO_ORDER_SHIFT));
    }
    if (kind === KIND_COUNTER || vk === NUMERIC_VK) out.amt.push(m.f[i * F_STRIDE + F_AMT]!);
    if (kind === KIND_COUNTER) out.inc.push(m.f[i * F_STRIDE + F_INC]!);
    if (kind !== KIND_HEARTBEAT) out.pay.push(encodePay(kind, m.w[i * W_STRIDE + W_PAY]!, tables));
  }
  return out;
}

export function decodeHistory(
  m: MachineHistory,
  e: EncodedHistory,
  strings: readonly string[],
  counters: readonly (readonly [number, number, number])[],
): void {
  appendDecoded(m, e, strings, counters);
  m.rebuildIndexes();
}

/**
 * A machine's change in an incremental checkpoint (see MachineHistory's ck* fields): the rows are
 * `head`, then the previous checkpoint's rows [skip, skip + keep), then `tail`. skip = -1: the
 * rows are `head` alone (a new machine).
 */
export type HistoryChange = readonly [skip: number, keep: number, head: EncodedHistory, tail: EncodedHistory];

/** The change of `m` since its last mark (see HistoryChange). */
export function encodeChange(m: MachineHistory, tables: SnapshotTables): HistoryChange {
  if (m.ckWhole) return [-1, 0, encodeRows(m, tables, 0, m.n), encodeRows(m, tables, 0, 0)];
  const keep = m.ckDirty - m.ckHead;
  return [keep === 0 ? 0 : m.ckSkip, keep, encodeRows(m, tables, 0, m.ckHead), encodeRows(m, tables, m.ckDirty, m.n)];
}

/** Applies a HistoryChange to the rows `m` had at the previous checkpoint. */
export function applyChange(
  m: MachineHistory,
  c: HistoryChange,
  strings: readonly string[],
  counters: readonly (readonly [number, number, number])[],
): void {
  const [skip, keep, head, tail] = c;
  if (skip === -1) {
    m.n = 0;
    decodeHistory(m, head, strings, counters);
    return;
  }
  if (!(skip >= 0 && keep >= 0 && skip + keep <= m.n))
    throw new Error(
      `checkpoint delta of machine '${m.machineId}': expected rows [${skip}, ${skip + keep}) of the ` +
        `previous checkpoint, found ${m.n} rows`,
    );
  const kept = m.copyRows(skip, skip + keep);
  m.n = 0;
  appendDecoded(m, head, strings, counters);
  m.appendRows(kept, keep);
  appendDecoded(m, tail, strings, counters);
  m.rebuildIndexes();
}

function appendDecoded(
  m: MachineHistory,
  e: EncodedHistory,
  strings: readonly string[],
  counters: readonly (readonly [number, number, number])[],
): void {
  const dict = m.dict;
  let t = 0;
  let a = 0;
  let c = 0;
  let p = 0;
  for (let i = 0; i < e.ts.length; i++) {
    t += e.ts[i]!;
    let info = e.info[i]!;
    const kind = info & KIND_MASK;
    const order = info >>> INFO_ORDER_SHIFT;
    if (order !== 0) info = (info & INFO_FLAGS) | ((dict.id(strings[order - 1]!) + 1) << INFO_ORDER_SHIFT);
    const vk = e.vk[i]!;
    const amt = kind === KIND_COUNTER || vk === NUMERIC_VK ? e.amt[a++]! : 0;
    const inc = kind === KIND_COUNTER ? e.inc[c++]! : 0;
    const pay = kind === KIND_HEARTBEAT ? 0 : decodePay(kind, e.pay[p++]!, strings, counters, dict);
    m.appendEncoded(
      t,
      strings[e.tag[i]!]!,
      vk === NUMERIC_VK ? NUMERIC_VK : dict.id(strings[vk]!),
      amt,
      inc,
      pay,
      info,
    );
  }
}

/**
 * A version-1 snapshot event: [ts, kind, tag, vkey, category, reason, counter, total, amount, rolloverAt, inc, late].
 */
export type V1Event = [
  number,
  number,
  string,
  string,
  string | null,
  string | null,
  string | null,
  number,
  number,
  number,
  number,
  number,
];

export function appendV1Event(m: MachineHistory, a: V1Event): void {
  const dict = m.dict;
  const [ts, kind, tag, vkey, category, reason, counter, total, amount, rolloverAt, inc, late] = a;
  let pay = 0;
  if (kind === KIND_STATE) pay = categoryIndex(category) + 8 * (reason === null ? 0 : dict.id(reason) + 1);
  else if (kind === KIND_REASON) pay = reason === null ? 0 : dict.id(reason) + 1;
  else if (kind === KIND_COUNTER) pay = dict.counterId(counter ?? 'count', total === 1, rolloverAt);
  const numeric = kind === KIND_COUNTER && vkey === String(amount);
  m.appendEncoded(
    ts,
    tag,
    numeric ? NUMERIC_VK : dict.id(vkey),
    kind === KIND_COUNTER ? amount : 0,
    inc,
    pay,
    kind | (late === 1 ? INFO_LATE : 0),
  );
}
