// IngestSink on kafkajs: one transactional producer per input (transactional.id derived from the
// input), each commit one Kafka transaction holding the records AND the input position, the
// latter as a consumer-group offset (TxnOffsetCommit, the mechanism Kafka Streams uses for its
// exactly-once read-process-write): offset = the last committed line, metadata = the position as
// JSON, on partition 0 of the positions topic (a compacted topic that only anchors these offsets).
//
// Why no duplicates after a kill -9: `open()` initialises the producer with the same
// transactional.id, which makes the broker abort whatever transaction the dead process left open
// (its records are never visible to read_committed consumers) and fence it; the position read
// afterwards is the one of the last committed transaction, so the resumed ingest writes exactly the
// lines after it. Readers of the raw topic must read committed (kafkajs' default; librdkafka's
// isolation.level default read_committed).
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import type { Config } from '../../config/types.js';
import { KafkaError } from '../../errors.js';
import type { SinkRecord } from '../../ports/event-sink.js';
import type { IngestPosition, IngestSink } from '../../ports/ingest-sink.js';
import { createKafkaJs } from './kafkajs-config.js';

/** Below the broker's default message.max.bytes (1 MiB) for every partition's batch of a request. */
const MAX_BYTES_PER_REQUEST = 900_000;
const RECORD_OVERHEAD_BYTES = 64;

export interface KafkaJsIngestSinkOptions {
  /** The transactional.id: one per input, stable across restarts. */
  readonly transactionalId: string;
  /** The consumer group whose committed offset is the input's position. */
  readonly positionsGroup: string;
  /** The topic (partition 0) the position offset is committed for. */
  readonly positionsTopic: string;
  /** Transaction timeout (default 60 s): how long a dead process' open transaction may block readers. */
  readonly transactionTimeoutMs?: number;
}

export class KafkaJsIngestSink implements IngestSink {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaJsIngestSinkOptions,
  ) {
    this.producer = kafka.producer({
      transactionalId: options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeoutMs ?? 60_000,
      allowAutoTopicCreation: false,
    });
  }

  async open(): Promise<IngestPosition | undefined> {
    try {
      // InitProducerId: aborts and fences an earlier producer with this transactional.id.
      await this.producer.connect();
      this.connected = true;
    } catch (err) {
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `ingest: could not start the transactional producer ${this.options.transactionalId}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const offsets = await admin.fetchOffsets({
        groupId: this.options.positionsGroup,
        topics: [this.options.positionsTopic],
      });
      const p = offsets[0]?.partitions.find((x) => x.partition === 0);
      if (p === undefined || p.offset === '-1' || p.metadata === null) return undefined;
      return parsePosition(p.metadata, this.options.positionsGroup);
    } catch (err) {
      if (err instanceof KafkaError) throw err;
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `ingest: could not read the position of group ${this.options.positionsGroup}: ${(err as Error).message}`,
        { cause: err },
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async commit(records: readonly SinkRecord[], position: IngestPosition): Promise<void> {
    const tx = await this.producer.transaction();
    try {
      for (const topicMessages of requests(records)) await tx.sendBatch({ topicMessages, acks: -1 });
      // kafkajs passes `metadata` through to TxnOffsetCommit (its types only name partition and offset).
      const anchor = { partition: 0, offset: String(position.line), metadata: JSON.stringify(position) };
      await tx.sendOffsets({
        consumerGroupId: this.options.positionsGroup,
        topics: [{ topic: this.options.positionsTopic, partitions: [anchor] }],
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `ingest: the transaction of ${records.length} records up to line ${position.line} failed ` +
          `(nothing of it is visible; a restart resumes after the last committed line): ${(err as Error).message}`,
        { cause: err, details: { line: position.line, records: records.length } },
      );
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = false;
  }
}

function parsePosition(metadata: string, group: string): IngestPosition {
  let p: unknown;
  try {
    p = JSON.parse(metadata);
  } catch (err) {
    throw new KafkaError(
      'SHIFTSTREAM_KAFKA',
      `ingest: group ${group}: expected a JSON position in the committed offset's metadata, ` +
        `found ${JSON.stringify(metadata.slice(0, 80))}`,
      { cause: err, retryable: false },
    );
  }
  const o = p as Partial<IngestPosition>;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.line !== 'number' ||
    typeof o.rejectedBytes !== 'number' ||
    typeof o.produced !== 'number' ||
    typeof o.rejected !== 'number' ||
    typeof o.done !== 'boolean' ||
    typeof o.input !== 'object' ||
    o.input === null
  )
    throw new KafkaError(
      'SHIFTSTREAM_KAFKA',
      `ingest: group ${group}: expected a position {line, rejectedBytes, produced, rejected, input, done}, ` +
        `found ${metadata.slice(0, 200)}`,
      { retryable: false },
    );
  return o as IngestPosition;
}

/** The records as sendBatch requests of at most MAX_BYTES_PER_REQUEST each, in order. */
function* requests(records: readonly SinkRecord[]): Generator<TopicMessages[]> {
  let byTopic = new Map<string, Message[]>();
  let bytes = 0;
  const out = (): TopicMessages[] => [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  for (const r of records) {
    const size =
      RECORD_OVERHEAD_BYTES +
      (r.key === null ? 0 : typeof r.key === 'string' ? Buffer.byteLength(r.key) : r.key.length) +
      (r.value?.length ?? 0);
    if (bytes + size > MAX_BYTES_PER_REQUEST && bytes > 0) {
      yield out();
      byTopic = new Map();
      bytes = 0;
    }
    let messages = byTopic.get(r.topic);
    if (messages === undefined) byTopic.set(r.topic, (messages = []));
    const m: Message = { key: r.key, value: r.value };
    if (r.partition !== undefined) m.partition = r.partition;
    if (r.headers !== undefined) m.headers = { ...r.headers };
    messages.push(m);
    bytes += size;
  }
  if (bytes > 0) yield out();
}

/**
 * The kafkajs ingest sink on the configured brokers: file ingest always (its position needs offset
 * metadata), MQTT with kafka.ingestClient=kafkajs.
 */
export function createKafkaIngestSink(config: Config, options: KafkaJsIngestSinkOptions): IngestSink {
  return new KafkaJsIngestSink(createKafkaJs(config, undefined, `${config.kafka.clientId}-ingest`), options);
}
