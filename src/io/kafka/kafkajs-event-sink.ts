// EventSink on kafkajs: an idempotent producer (acks -1); one `sendBatch` carries every topic of
// the calls queued meanwhile, so ordering per partition follows call order (see `send`).
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { CompressionTypes } from 'kafkajs';
import { ConfigError, KafkaError } from '../../errors.js';
import type { EventSink, SinkRecord } from '../../ports/event-sink.js';
import type { AdapterLogger, Compression } from './adapter-logger.js';

const MAX_RECORDS_PER_REQUEST = 20_000;

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
      throw new ConfigError('SHIFTSTREAM_CONFIG_INVALID', 'kafkajs sink: compression lz4 needs a codec package kafkajs does not ship; expected none or gzip with client kafkajs, or use kafka.client=rdkafka');
    }
    this.compression = compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    // idempotent implies acks -1 and unlimited retries; kafkajs keeps ordering per partition.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false });
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw new KafkaError('SHIFTSTREAM_KAFKA', `kafkajs sink: could not connect the producer: ${(err as Error).message}`, { cause: err });
    });
    return this.connecting;
  }

  /**
   * Records of one call, and of successive calls, reach each partition in call order: kafkajs
   * reorders concurrent `sendBatch` calls, so while one is in flight later calls queue up and go
   * together in the next one (group commit). Callers may keep many sends pending.
   */
  send(records: readonly SinkRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new KafkaError('SHIFTSTREAM_KAFKA', 'kafkajs sink: send after close', { retryable: false }));
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
      while (this.queue.length > 0 && (take.length === 0 || count + this.queue[0]!.records.length <= MAX_RECORDS_PER_REQUEST)) {
        const w = this.queue.shift()!;
        take.push(w);
        count += w.records.length;
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
      throw new KafkaError('SHIFTSTREAM_KAFKA', `kafkajs sink: send of ${count} records to ${[...byTopic.keys()].join(',')} failed: ${(err as Error).message}`, {
        cause: err,
        details: { topics: [...byTopic.keys()], records: count },
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushDone;
    if (this.connecting !== undefined) await this.producer.disconnect();
  }
}
