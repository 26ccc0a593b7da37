// Consumer groups of the embedded log: committed offsets and the assignment of partitions to
// members. Rebalances run one at a time; partitions a member loses are revoked (and its onRevoke
// awaited) before any member is assigned them, like Kafka's cooperative protocol, so two members
// never hold one partition at once. Partitions are spread round-robin over the members in join
// order. Topics created after a member joined are not picked up until the next rebalance.
import { KafkaError } from '../../errors.js';
import type { TopicPartition } from '../../ports/event-source.js';
import { tpKey } from '../../ports/event-source.js';

export interface MemoryGroupMember {
  readonly topics: readonly string[];
  /** Must not reject: a member handles (and fails on) its own errors. */
  revoke(partitions: readonly TopicPartition[]): Promise<void>;
  assign(partitions: readonly TopicPartition[]): Promise<void>;
}

export class MemoryGroup {
  private readonly committedOffsets = new Map<string, string>();
  private readonly members: MemoryGroupMember[] = [];
  private readonly assignment = new Map<MemoryGroupMember, TopicPartition[]>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly groupId: string,
    private readonly partitionCount: (topic: string) => number,
  ) {}

  /** The committed offset (next to read) of a partition, if any. */
  committed(tp: TopicPartition): string | undefined {
    return this.committedOffsets.get(tpKey(tp));
  }

  commit(offsets: readonly (TopicPartition & { readonly offset: string })[]): void {
    for (const o of offsets) {
      if (!/^\d+$/.test(o.offset)) {
        throw new KafkaError(
          'SHIFTSTREAM_KAFKA',
          `memory group ${this.groupId}: commit of ${tpKey(o)} expects a ` +
            `non-negative integer offset, found ${JSON.stringify(o.offset)}`,
        );
      }
      this.committedOffsets.set(tpKey(o), o.offset);
    }
  }

  /** The partitions a member holds now. */
  assigned(member: MemoryGroupMember): readonly TopicPartition[] {
    return this.assignment.get(member) ?? [];
  }

  /** Adds a member; resolves when the rebalance that follows is done. */
  join(member: MemoryGroupMember): Promise<void> {
    return this.enqueue(() => {
      if (!this.members.includes(member)) this.members.push(member);
      return this.rebalance();
    });
  }

  /** Removes a member: its partitions are revoked (onRevoke awaited unless `silent`), then spread over the rest. */
  leave(member: MemoryGroupMember, silent = false): Promise<void> {
    return this.enqueue(async () => {
      const index = this.members.indexOf(member);
      if (index < 0) return;
      this.members.splice(index, 1);
      const held = this.assignment.get(member) ?? [];
      this.assignment.delete(member);
      if (!silent && held.length > 0) await member.revoke(held);
      await this.rebalance();
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async rebalance(): Promise<void> {
    const target = new Map<MemoryGroupMember, TopicPartition[]>(this.members.map((m) => [m, []]));
    const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subscribers = this.members.filter((m) => m.topics.includes(topic));
      const count = this.partitionCount(topic);
      for (let partition = 0; partition < count; partition++) {
        target.get(subscribers[partition % subscribers.length]!)!.push({ topic, partition });
      }
    }
    const lost: [MemoryGroupMember, TopicPartition[]][] = [];
    const gained: [MemoryGroupMember, TopicPartition[]][] = [];
    for (const [member, want] of target) {
      const have = this.assignment.get(member) ?? [];
      const wantKeys = new Set(want.map(tpKey));
      const haveKeys = new Set(have.map(tpKey));
      const l = have.filter((tp) => !wantKeys.has(tpKey(tp)));
      const g = want.filter((tp) => !haveKeys.has(tpKey(tp)));
      if (l.length > 0) lost.push([member, l]);
      if (g.length > 0) gained.push([member, g]);
    }
    await Promise.all(lost.map(([m, tps]) => m.revoke(tps)));
    for (const [member, want] of target) this.assignment.set(member, want);
    await Promise.all(gained.map(([m, tps]) => m.assign(tps)));
  }
}
