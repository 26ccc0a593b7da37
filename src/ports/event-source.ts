// Port: where records come from (Kafka via kafkajs or node-rdkafka, or the embedded log).
// Offsets are decimal strings (Kafka offsets exceed 2^53 in theory).

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The record's Kafka timestamp (producer create time), epoch ms. */
  readonly timestampMs: number;
}

export interface SourceBatch extends TopicPartition {
  readonly records: readonly SourceRecord[];
  /** The partition's end offset when the batch was fetched, if the client tells (consumer lag). */
  readonly highWatermark?: string;
}

/** The offset to resume from (the next offset to read), or undefined for the group's committed/earliest. */
export type ResumeOffsets = ReadonlyMap<string, string | undefined>;

export const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

export interface SourceHandlers {
  /**
   * Called with each batch of one partition, in offset order. The next batch of that partition
   * is not delivered before the returned promise settles (backpressure). A rejection stops the
   * source and surfaces from `run()`.
   */
  onBatch(batch: SourceBatch): Promise<void>;
  /** Partitions assigned: return where to resume each (key `topic:partition`). */
  onAssign(partitions: readonly TopicPartition[]): Promise<ResumeOffsets>;
  /** Partitions about to be revoked: flush and checkpoint them before this resolves. */
  onRevoke(partitions: readonly TopicPartition[]): Promise<void>;
}

export interface EventSource {
  /** Subscribes and consumes until `stop()`; resolves after a clean stop, rejects on a fatal error. */
  run(handlers: SourceHandlers): Promise<void>;
  /**
   * Commits `offset` (the next offset to read) per partition to the consumer group. With
   * `background`, the commit may still be on its way when the promise resolves (a later failure is
   * logged by the adapter): for progress commits on the hot path, where a commit that blocks the
   * event loop (node-rdkafka's commitSync) would hold the critical lane; never for the last commit
   * of a partition before it is revoked.
   */
  commit(
    offsets: readonly (TopicPartition & { readonly offset: string })[],
    options?: { readonly background?: boolean },
  ): Promise<void>;
  /** Stops consuming: revokes (calling onRevoke), leaves the group, disconnects. */
  stop(): Promise<void>;
}
