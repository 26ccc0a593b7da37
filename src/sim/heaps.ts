// Two small binary heaps for the simulator's event loop, with no allocation per operation.
import type { RawSample } from '../core/types.js';

/**
 * A fixed set of timers (ids 0..n-1), each with a due time (Infinity: disarmed), ordered by
 * (due time, id) so that ties break the same way on every run.
 */
export class TimerHeap {
  readonly at: Float64Array;
  private readonly heap: Int32Array;
  private readonly pos: Int32Array;

  constructor(n: number) {
    this.at = new Float64Array(n).fill(Infinity);
    this.heap = new Int32Array(n);
    this.pos = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.heap[i] = i;
      this.pos[i] = i;
    }
  }

  /** The id of the earliest timer. */
  top(): number {
    return this.heap[0]!;
  }

  topAt(): number {
    return this.at[this.heap[0]!]!;
  }

  set(id: number, atMs: number): void {
    const old = this.at[id]!;
    this.at[id] = atMs;
    if (atMs < old) this.up(this.pos[id]!);
    else if (atMs > old) this.down(this.pos[id]!);
  }

  private less(a: number, b: number): boolean {
    const x = this.at[a]!;
    const y = this.at[b]!;
    return x < y || (x === y && a < b);
  }

  private up(i: number): void {
    const heap = this.heap;
    const id = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.less(id, p)) break;
      heap[i] = p;
      this.pos[p] = i;
      i = parent;
    }
    heap[i] = id;
    this.pos[id] = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const id = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(heap[r]!, heap[l]!)) c = r;
      const child = heap[c]!;
      if (!this.less(child, id)) break;
      heap[i] = child;
      this.pos[child] = i;
      i = c;
    }
    heap[i] = id;
    this.pos[id] = i;
  }
}

/** A sample held back for later emission (out of order or late). */
export interface DelayedSample {
  readonly sample: RawSample;
  readonly emitMs: number;
  readonly seq: number;
  readonly code: number;
}

/** Samples waiting for their emission time, ordered by (emitMs, seq). */
export class DelayHeap {
  private readonly items: DelayedSample[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest emission time, Infinity when empty. */
  topEmitMs(): number {
    const first = this.items[0];
    return first === undefined ? Infinity : first.emitMs;
  }

  push(item: DelayedSample): void {
    const items = this.items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  pop(): DelayedSample | undefined {
    const items = this.items;
    const first = items[0];
    const last = items.pop();
    if (first === undefined || last === undefined || items.length === 0) return first;
    let i = 0;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(items[r]!, items[l]!)) c = r;
      const child = items[c]!;
      if (!before(child, last)) break;
      items[i] = child;
      i = c;
    }
    items[i] = last;
    return first;
  }
}

function before(a: DelayedSample, b: DelayedSample): boolean {
  return a.emitMs < b.emitMs || (a.emitMs === b.emitMs && a.seq < b.seq);
}
