// EventSource on kafkajs: one consumer-group member, `eachBatch` with manual offset resolution.
//
// Rebalances. kafkajs (eager protocol) has no revoke callback that it awaits before re-joining; it
// only emits GROUP_JOIN after the new assignment is synced. So, on every GROUP_JOIN we:
//   1. pause every newly assigned partition (synchronously, before kafkajs fetches),
//   2. wait for the batches still in onBatch, then call onRevoke(partitions we lost),
//   3. call onAssign(partitions we gained) and seek each to the offset it returns,
//   4. seek the partitions we kept to our own position (kafkajs resets them to the committed
//      offset on every join), then resume.
// Invariant for the engine: onAssign is only called for partitions not held, onRevoke only for
// partitions held, and no onBatch of a partition runs during its onRevoke/onAssign.
// Limit (documented in README of io/kafka): onRevoke runs after the group already re-assigned the
// partition, so the new owner may restore a checkpoint that is older than the one our onRevoke
// writes. Checkpoints are consistent (snapshot, offset) pairs and outputs deterministic, so the
// cost is re-processing, not loss or double counting. node-rdkafka does not have this limit.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { KafkaError } from '../../errors.js';
import type { EventSource, SourceHandlers, SourceRecord, TopicPartition } from '../../ports/event-source.js';
import { tpKey } from '../../ports/event-source.js';
import type { AdapterLogger } from './adapter-logger.js';
import { silentLogger } from './adapter-logger.js';

export interface KafkaJsEventSourceOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly logger?: AdapterLogger;
  /** Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Default 1 s: also how fast this member notices a rebalance. */
  readonly heartbeatIntervalMs?: number;
  /** Partitions whose batches may be in onBatch at once. Default 4. */
  readonly partitionsConsumedConcurrently?: number;
  /** Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /** Broker fetch wait. Default 100 ms. */
  readonly maxWaitTimeMs?: number;
}

interface Held {
  readonly tp: TopicPartition;
  /** Next offset to deliver, once known (after a seek or a delivered batch). */
  position: bigint | undefined;
  ready: boolean;
  inFlight: Promise<void> | undefined;
}

export class KafkaJsEventSource implements EventSource {
  private readonly logger: AdapterLogger;
  private consumer: Consumer | undefined;
  private handlers: SourceHandlers | undefined;
  private readonly held = new Map<string, Held>();
  private generation = 0;
  private rebalanceChain: Promise<void> = Promise.resolve();
  private stopping = false;
  private settled = false;
  private resolveRun: () => void = () => undefined;
  private rejectRun: (err: unknown) => void = () => undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaJsEventSourceOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  private where(): string {
    return `kafkajs source (group ${this.options.groupId}, topics ${this.options.topics.join(',')})`;
  }

  async run(handlers: SourceHandlers): Promise<void> {
    if (this.handlers !== undefined) throw new KafkaError('SHIFTSTREAM_KAFKA', `${this.where()}: run() called twice`);
    this.handlers = handlers;
    const done = new Promise<void>((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
    });
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 1_000,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.fail(this.wrap('consumer crashed', event.payload.error));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (err) {
      this.fail(this.wrap('could not start', err));
    }
    return done;
  }

  async commit(offsets: readonly (TopicPartition & { readonly offset: string })[]): Promise<void> {
    if (offsets.length === 0) return;
    if (this.consumer === undefined) throw new KafkaError('SHIFTSTREAM_KAFKA', `${this.where()}: commit before run()`);
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
      );
    } catch (err) {
      throw this.wrap(`commit of ${offsets.map((o) => `${tpKey(o)}@${o.offset}`).join(',')} failed`, err);
    }
  }

  async stop(): Promise<void> {
    if (this.settled || this.stopping) return;
    this.stopping = true;
    const consumer = this.consumer;
    if (consumer === undefined) {
      this.settled = true;
      return;
    }
    try {
      this.pauseAll();
      await this.rebalanceChain;
      const held = [...this.held.values()];
      await Promise.all(held.map(async (h) => h.inFlight));
      if (held.length > 0 && !this.settled) await this.handlers!.onRevoke(held.map((h) => h.tp));
      this.held.clear();
      await consumer.disconnect();
    } catch (err) {
      this.fail(this.wrap('stop failed', err));
      await consumer.disconnect().catch(() => undefined);
      return;
    }
    if (!this.settled) {
      this.settled = true;
      this.resolveRun();
    }
  }

  private pauseAll(): void {
    const topics = [...new Set([...this.held.values()].map((h) => h.tp.topic))];
    if (topics.length > 0) this.consumer!.pause(topics.map((topic) => ({ topic })));
  }

  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    const consumer = this.consumer!;
    const generation = ++this.generation;
    const next: TopicPartition[] = [];
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      for (const partition of partitions) next.push({ topic, partition });
    }
    // Synchronously, before kafkajs schedules its first fetch of this generation.
    for (const h of this.held.values()) h.ready = false;
    if (next.length > 0) consumer.pause(groupByTopic(next));
    this.rebalanceChain = this.rebalanceChain
      .then(() => this.reassign(generation, next))
      .catch((err: unknown) => this.fail(this.wrap('rebalance failed', err)));
  }

  private async reassign(generation: number, next: readonly TopicPartition[]): Promise<void> {
    if (this.settled || this.stopping) return;
    const handlers = this.handlers!;
    const consumer = this.consumer!;
    await Promise.all([...this.held.values()].map(async (h) => h.inFlight));
    const nextKeys = new Set(next.map(tpKey));
    const lost = [...this.held.values()].filter((h) => !nextKeys.has(tpKey(h.tp))).map((h) => h.tp);
    const gained = next.filter((tp) => !this.held.has(tpKey(tp)));
    this.logger.info(
      {
        groupId: this.options.groupId,
        lost: lost.map(tpKey),
        gained: gained.map(tpKey),
        kept: next.length - gained.length,
      },
      'partitions reassigned',
    );
    if (lost.length > 0) {
      await handlers.onRevoke(lost);
      for (const tp of lost) this.held.delete(tpKey(tp));
    }
    if (gained.length > 0) {
      const offsets = await handlers.onAssign(gained);
      for (const tp of gained) {
        const offset = offsets.get(tpKey(tp));
        this.held.set(tpKey(tp), {
          tp,
          position: offset === undefined ? undefined : parseOffset(offset, tpKey(tp), this.where()),
          ready: false,
          inFlight: undefined,
        });
      }
    }
    if (generation !== this.generation || this.settled || this.stopping) return; // a newer join takes over
    for (const h of this.held.values()) {
      if (h.position !== undefined)
        consumer.seek({ topic: h.tp.topic, partition: h.tp.partition, offset: h.position.toString() });
      h.ready = true;
    }
    if (next.length > 0) consumer.resume(groupByTopic(next));
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = `${batch.topic}:${batch.partition}`;
    const h = this.held.get(key);
    // Not ours yet, being reassigned, or stopping: do not resolve, kafkajs fetches it again later.
    if (
      h === undefined ||
      !h.ready ||
      this.settled ||
      this.stopping ||
      payload.isStale() ||
      batch.messages.length === 0
    )
      return;
    const records: SourceRecord[] = [];
    const from = h.position;
    for (const m of batch.messages) {
      if (from !== undefined && BigInt(m.offset) < from) continue;
      records.push({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key ?? null,
        value: m.value,
        timestampMs: Number(m.timestamp),
      });
    }
    if (records.length === 0) {
      // All before our position (kafkajs re-fetched from the committed offset): skip past them.
      payload.resolveOffset(batch.lastOffset());
      return;
    }
    const last = records[records.length - 1]!.offset;
    const inFlight = this.handlers!.onBatch({
      topic: batch.topic,
      partition: batch.partition,
      records,
      highWatermark: batch.highWatermark,
    });
    h.inFlight = inFlight.catch(() => undefined);
    try {
      await inFlight;
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      h.inFlight = undefined;
    }
    h.position = BigInt(last) + 1n;
    payload.resolveOffset(last);
    await payload.heartbeat();
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.logger.error({ err, groupId: this.options.groupId }, 'kafkajs source failed');
    const consumer = this.consumer;
    const reject = (): void => this.rejectRun(err);
    if (consumer === undefined) reject();
    else consumer.disconnect().then(reject, reject);
  }

  private wrap(what: string, cause: unknown): KafkaError {
    if (cause instanceof KafkaError) return cause;
    return new KafkaError(
      'SHIFTSTREAM_KAFKA',
      `${this.where()}: ${what}: ${(cause as Error)?.message ?? String(cause)}`,
      { cause, details: { groupId: this.options.groupId, topics: this.options.topics } },
    );
  }
}

function groupByTopic(tps: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const tp of tps) {
    let list = byTopic.get(tp.topic);
    if (list === undefined) byTopic.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

export function parseOffset(offset: string, key: string, where: string): bigint {
  if (!/^\d+$/.test(offset)) {
    throw new KafkaError(
      'SHIFTSTREAM_KAFKA',
      `${where}: onAssign returned offset ${JSON.stringify(offset)} for ${key}, expected a non-negative integer string`,
    );
  }
  return BigInt(offset);
}
