// Which offsets may be committed: per partition, the records in offset order, each pending until
// the poster confirmed it (Odoo wrote it, or it went to the dead-letter topic, or it was skipped).
// The committable offset is the first pending one (or the last confirmed + 1): a commit never
// passes an unconfirmed record, whatever order confirmations arrive in. Pure; no I/O.
import type { TopicPartition } from '../ports/event-source.js';
import { tpKey } from '../ports/event-source.js';

interface PartitionState {
  readonly tp: TopicPartition;
  /** Offsets added and not yet passed by the commit point, ascending. */
  readonly queue: bigint[];
  readonly done: Set<bigint>;
  /** The offset last returned by `ready()` (next to read), or null. */
  committed: bigint | null;
}

export interface CommitPoint extends TopicPartition {
  readonly offset: string;
}

export class OffsetTracker {
  private readonly parts = new Map<string, PartitionState>();

  private state(tp: TopicPartition): PartitionState {
    const k = tpKey(tp);
    let s = this.parts.get(k);
    if (s === undefined)
      this.parts.set(
        k,
        (s = { tp: { topic: tp.topic, partition: tp.partition }, queue: [], done: new Set(), committed: null }),
      );
    return s;
  }

  /** Records `offset` as received and pending. Offsets of a partition must be added in order. */
  add(tp: TopicPartition, offset: string): void {
    const s = this.state(tp);
    const o = BigInt(offset);
    const last = s.queue[s.queue.length - 1];
    if (last !== undefined && o <= last) return; // re-delivered: already tracked
    s.queue.push(o);
  }

  markDone(tp: TopicPartition, offset: string): void {
    const s = this.parts.get(tpKey(tp));
    if (s !== undefined) s.done.add(BigInt(offset));
  }

  /** Pending (unconfirmed) records across partitions. */
  pending(): number {
    let n = 0;
    for (const s of this.parts.values()) n += s.queue.filter((o) => !s.done.has(o)).length;
    return n;
  }

  /** Advances each partition's commit point past its confirmed head; returns the points that moved. */
  ready(): CommitPoint[] {
    const out: CommitPoint[] = [];
    for (const s of this.parts.values()) {
      let next: bigint | null = null;
      while (s.queue.length > 0 && s.done.has(s.queue[0] as bigint)) {
        const o = s.queue.shift() as bigint;
        s.done.delete(o);
        next = o + 1n;
      }
      if (next !== null && (s.committed === null || next > s.committed)) {
        s.committed = next;
        out.push({ ...s.tp, offset: next.toString() });
      }
    }
    return out;
  }

  /** Forgets partitions (revoked): their pending records are re-delivered to the next owner. */
  forget(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.parts.delete(tpKey(tp));
  }
}
