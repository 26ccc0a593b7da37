// The embedded, in-process log: named topics with N partitions, records with offsets, Kafka's
// key partitioning, and consumer groups (memory-group.ts). It runs the same pipeline as Kafka for
// the no-infrastructure demo and for tests. Records live in one array per partition (offset =
// index), so reading a batch is one `slice` and appending never allocates a promise per record.
import { KafkaError } from '../../errors.js';
import type { Clock } from '../../ports/clock.js';
import { systemClock } from '../../ports/clock.js';
import type { SinkRecord } from '../../ports/event-sink.js';
import type { SourceRecord } from '../../ports/event-source.js';
import { MemoryGroup } from './memory-group.js';
import { partitionForKey } from './murmur2.js';

export interface MemoryRecord extends SourceRecord {
  readonly headers: Readonly<Record<string, string>> | undefined;
}

export interface MemoryLogOptions {
  /** Partitions of a topic created implicitly (by a send or a subscription), like Kafka's num.partitions. Default 1. */
  readonly defaultPartitions?: number;
  /** Stamps record timestamps. Default: the system clock. */
  readonly clock?: Clock;
}

/** One partition: its records (offset = index) and the consumers waiting for more. */
export class MemoryPartitionLog {
  readonly records: MemoryRecord[] = [];
  readonly waiters = new Set<() => void>();

  notify(): void {
    if (this.waiters.size === 0) return;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }
}

export class MemoryLog {
  private readonly topics = new Map<string, MemoryPartitionLog[]>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly roundRobin = new Map<string, number>();
  private readonly defaultPartitions: number;
  private readonly clock: Clock;

  constructor(options: MemoryLogOptions = {}) {
    this.defaultPartitions = options.defaultPartitions ?? 1;
    if (!Number.isInteger(this.defaultPartitions) || this.defaultPartitions < 1) {
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `memory log: defaultPartitions must be an integer >= 1, found ${this.defaultPartitions}`,
      );
    }
    this.clock = options.clock ?? systemClock;
  }

  /** Creates `name` with `partitions` partitions; a no-op if it exists with that count. */
  createTopic(name: string, partitions: number): void {
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `memory log: topic ${name}: partitions must be an integer >= 1, found ${partitions}`,
      );
    }
    const existing = this.topics.get(name);
    if (existing !== undefined) {
      if (existing.length !== partitions) {
        throw new KafkaError(
          'SHIFTSTREAM_KAFKA',
          `memory log: topic ${name} exists with ${existing.length} partitions, asked for ${partitions}`,
        );
      }
      return;
    }
    this.topics.set(
      name,
      Array.from({ length: partitions }, () => new MemoryPartitionLog()),
    );
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** The partitions of `name`, creating the topic with the default count if it does not exist. */
  partitionLogs(name: string): readonly MemoryPartitionLog[] {
    let logs = this.topics.get(name);
    if (logs === undefined) {
      this.createTopic(name, this.defaultPartitions);
      logs = this.topics.get(name)!;
    }
    return logs;
  }

  partitionCount(name: string): number {
    return this.partitionLogs(name).length;
  }

  /**
   * Appends records (keyed ones by Kafka's murmur2 partitioner, unkeyed round-robin), then wakes consumers once per
   * touched partition.
   */
  append(records: readonly SinkRecord[]): void {
    const nowMs = this.clock.nowMs();
    const touched = new Set<MemoryPartitionLog>();
    for (const r of records) {
      const logs = this.partitionLogs(r.topic);
      const key = r.key === null ? null : typeof r.key === 'string' ? Buffer.from(r.key) : r.key;
      let partition: number;
      if (r.partition !== undefined) {
        if (!Number.isInteger(r.partition) || r.partition < 0 || r.partition >= logs.length) {
          throw new KafkaError(
            'SHIFTSTREAM_KAFKA',
            `memory log: topic ${r.topic} has partitions 0..${logs.length - 1}, a record asked for ${r.partition}`,
          );
        }
        partition = r.partition;
      } else if (key === null) {
        partition = (this.roundRobin.get(r.topic) ?? 0) % logs.length;
        this.roundRobin.set(r.topic, partition + 1);
      } else {
        partition = partitionForKey(key, logs.length);
      }
      const log = logs[partition]!;
      log.records.push({
        topic: r.topic,
        partition,
        offset: String(log.records.length),
        key,
        value: r.value,
        timestampMs: nowMs,
        headers: r.headers,
      });
      touched.add(log);
    }
    for (const log of touched) log.notify();
  }

  /** Records of one partition, or of every partition (partition order, then offset order). */
  records(topic: string, partition?: number): readonly MemoryRecord[] {
    const logs = this.topics.get(topic);
    if (logs === undefined) return [];
    if (partition !== undefined) return logs[partition]?.records ?? [];
    return logs.flatMap((l) => l.records);
  }

  /** The next offset to be written, per partition. */
  endOffsets(topic: string): number[] {
    return (this.topics.get(topic) ?? []).map((l) => l.records.length);
  }

  group(groupId: string): MemoryGroup {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new MemoryGroup(groupId, (topic) => this.partitionCount(topic));
      this.groups.set(groupId, group);
    }
    return group;
  }
}
