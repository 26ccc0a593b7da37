// EventSink on kafkajs: an idempotent producer (acks -1); one `sendBatch` carries every topic of
// the calls queued meanwhile, so ordering per partition follows call order (see `send`).
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { CompressionTypes } from 'kafkajs';
import { ConfigError, KafkaError } from '../../errors.js';
import type { EventSink, SinkRecord } from '../../ports/event-sink.js';
import type { AdapterLogger, Compression } from './adapter-logger.js';

const MAX_RECORDS_PER_REQUEST = 20_000;
/**
 * kafkajs puts each partition's records of a request into one record batch, which the broker
 * refuses above its message.max.bytes (1 MiB by default). Bounding the whole request's payload
 * bounds every partition's batch; a larger send goes out as several requests, in order.
 */
const MAX_BYTES_PER_REQUEST = 900_000;
/** Per-record framing in a v2 record batch, rounded up (length, attributes, deltas, header count). */
const RECORD_OVERHEAD_BYTES = 64;

function recordBytes(r: SinkRecord): number {
  const key = r.key === null ? 0 : typeof r.key === 'string' ? Buffer.byteLength(r.key) : r.key.length;
  let headers = 0;
  if (r.headers !== undefined)
    for (const [k, v] of Object.entries(r.headers)) headers += Buffer.byteLength(k) + Buffer.byteLength(v) + 8;
  return RECORD_OVERHEAD_BYTES + key + (r.value?.length ?? 0) + headers;
}

const noop = (): void => undefined;

interface Waiting {
  readonly records: readonly SinkRecord[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export interface KafkaJsEventSinkOptions {
  /** Default 'none'. kafkajs has no built-in lz4 codec: 'lz4' is refused (use client rdkafka). */
  readonly compression?: Compression;
  readonly logger?: AdapterLogger;
}

export class KafkaJsEventSink implements EventSink {
  private readonly producer: Producer;
  private readonly compression: CompressionTypes;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private readonly queue: Waiting[] = [];
  private flushing = false;
  /** Set by the first failed send; the sink then refuses every send (the caller restarts from its checkpoint). */
  private failed: KafkaError | undefined;
  private flushDone: Promise<void> = Promise.resolve();

  constructor(kafka: Kafka, options: KafkaJsEventSinkOptions = {}) {
    const compression = options.compression ?? 'none';
    if (compression === 'lz4') {
      throw new ConfigError(
        'SHIFTSTREAM_CONFIG_INVALID',
        'kafkajs sink: compression lz4 needs a codec package kafkajs does not ship; ' +
          'expected none or gzip with client kafkajs, or use kafka.client=rdkafka',
      );
    }
    this.compression = compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    // idempotent implies acks -1 and unlimited retries; kafkajs keeps ordering per partition.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false });
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `kafkajs sink: could not connect the producer: ${(err as Error).message}`,
        { cause: err },
      );
    });
    return this.connecting;
  }

  /**
   * Records of one call, and of successive calls, reach each partition in call order: kafkajs
   * reorders concurrent `sendBatch` calls, so while one is in flight later calls queue up and go
   * together in the next one (group commit). Callers may keep many sends pending.
   */
  send(records: readonly SinkRecord[]): Promise<void> {
    if (this.closed)
      return Promise.reject(
        new KafkaError('SHIFTSTREAM_KAFKA', 'kafkajs sink: send after close', { retryable: false }),
      );
    if (this.failed !== undefined) return Promise.reject(this.failed);
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.flushing) this.flushDone = this.flush(); // never rejects: errors go to the callers
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      await this.connect();
    } catch (err) {
      const waiting = this.queue.splice(0);
      this.flushing = false;
      for (const w of waiting) w.reject(err);
      return;
    }
    while (this.queue.length > 0) {
      const take: Waiting[] = [];
      let count = 0;
      let bytes = 0;
      while (this.queue.length > 0) {
        const w = this.queue[0]!;
        let n = 0;
        let b = 0;
        while (n < w.records.length && count + n < MAX_RECORDS_PER_REQUEST) {
          const size = recordBytes(w.records[n]!);
          // a record alone always goes
          if (bytes + b + size > MAX_BYTES_PER_REQUEST && (take.length > 0 || n > 0)) break;
          b += size;
          n++;
        }
        if (n === 0) break;
        if (n === w.records.length) take.push(this.queue.shift()!);
        else {
          // The call's first part goes now; the rest stays first in the queue and settles the call.
          take.push({ records: w.records.slice(0, n), resolve: noop, reject: w.reject });
          this.queue[0] = { records: w.records.slice(n), resolve: w.resolve, reject: w.reject };
        }
        count += n;
        bytes += b;
        if (n < w.records.length) break;
      }
      try {
        await this.sendNow(take, count);
        for (const w of take) w.resolve();
      } catch (err) {
        // Later records must not land after a gap: fail everything queued and every later send.
        this.failed = err as KafkaError;
        for (const w of take.concat(this.queue.splice(0))) w.reject(err);
      }
    }
    this.flushing = false;
  }

  private async sendNow(take: readonly Waiting[], count: number): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const w of take) {
      for (const r of w.records) {
        let messages = byTopic.get(r.topic);
        if (messages === undefined) byTopic.set(r.topic, (messages = []));
        const message: Message = { key: r.key, value: r.value };
        if (r.partition !== undefined) message.partition = r.partition;
        if (r.headers !== undefined) message.headers = { ...r.headers };
        messages.push(message);
      }
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    try {
      await this.producer.sendBatch({ topicMessages, acks: -1, compression: this.compression });
    } catch (err) {
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `kafkajs sink: send of ${count} records to ${[...byTopic.keys()].join(',')} failed: ${(err as Error).message}`,
        {
          cause: err,
          details: { topics: [...byTopic.keys()], records: count },
        },
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushDone;
    if (this.connecting !== undefined) await this.producer.disconnect();
  }
}
