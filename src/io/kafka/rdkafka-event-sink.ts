// EventSink on node-rdkafka: an idempotent Producer (enable.idempotence => acks all, ordered
// retries) with delivery reports. `send` produces every record (non-blocking, librdkafka batches
// them with linger.ms) and resolves when the last delivery report of that call arrived; many
// sends may be in flight. Keys land like Java's/kafkajs' default partitioner (murmur2_random).
import rdkafka from 'node-rdkafka';
import type { DeliveryReport, LibrdKafkaError, MessageHeader, Producer } from 'node-rdkafka';
import type { Config } from '../../config/types.js';
import { KafkaError } from '../../errors.js';
import type { EventSink, SinkRecord } from '../../ports/event-sink.js';
import type { AdapterLogger, Compression } from './adapter-logger.js';
import { silentLogger } from './adapter-logger.js';
import { rdKafkaGlobalConfig, watchRdKafkaRefusal } from './rdkafka-config.js';

const ERR = rdkafka.CODES.ERRORS;

export interface RdKafkaEventSinkOptions {
  readonly clientId?: string;
  readonly compression?: Compression;
  /** How often delivery reports are polled. Default 5 ms (bounds the added latency of a send). */
  readonly pollIntervalMs?: number;
  /** librdkafka linger.ms. Default 2. */
  readonly lingerMs?: number;
  readonly logger?: AdapterLogger;
  readonly rdkafka?: Readonly<Record<string, string | number | boolean>>;
}

interface Pending {
  remaining: number;
  error: LibrdKafkaError | undefined;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  readonly topics: string;
  readonly count: number;
}

export class RdKafkaEventSink implements EventSink {
  private readonly producer: Producer;
  private readonly logger: AdapterLogger;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private failed: KafkaError | undefined;
  private producing: Promise<void> = Promise.resolve();
  /** Woken by each delivery report while a send waits for room in librdkafka's queue. */
  private roomWaiters: (() => void)[] = [];

  constructor(
    config: Config,
    private readonly options: RdKafkaEventSinkOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.producer = new rdkafka.Producer(
      {
        ...rdKafkaGlobalConfig(config, options.clientId),
        'enable.idempotence': true,
        'compression.codec': options.compression ?? 'none',
        'linger.ms': options.lingerMs ?? 2,
        dr_cb: true,
        ...options.rdkafka,
      },
      { partitioner: 'murmur2_random' },
    );
    this.producer.on('delivery-report', (err: LibrdKafkaError, report: DeliveryReport) => this.onReport(err, report));
    this.producer.on('event.error', (err) => this.logger.warn({ err }, 'rdkafka producer error (librdkafka retries)'));
  }

  private connect(): Promise<void> {
    this.connecting ??= new Promise<void>((resolve, reject) => {
      let refused = false;
      // A refused login or certificate fails at once, with librdkafka's reason, and for good.
      const unwatch = watchRdKafkaRefusal(this.producer, (reason) => {
        refused = true;
        this.connecting = undefined;
        this.failed = new KafkaError('SHIFTSTREAM_KAFKA', `rdkafka sink: could not connect the producer: ${reason}`, {
          retryable: false,
        });
        reject(this.failed);
      });
      this.producer.connect({ timeout: 30_000 }, (err) => {
        unwatch();
        if (refused) {
          if (!err) this.producer.disconnect(() => undefined);
          return;
        }
        if (err) {
          this.connecting = undefined;
          reject(
            new KafkaError('SHIFTSTREAM_KAFKA', `rdkafka sink: could not connect the producer: ${err.message}`, {
              cause: err,
            }),
          );
          return;
        }
        this.producer.setPollInterval(this.options.pollIntervalMs ?? 5);
        resolve();
      });
    });
    return this.connecting;
  }

  async send(records: readonly SinkRecord[]): Promise<void> {
    if (this.closed) throw new KafkaError('SHIFTSTREAM_KAFKA', 'rdkafka sink: send after close', { retryable: false });
    if (this.failed !== undefined) throw this.failed;
    if (records.length === 0) return;
    await this.connect();
    // Produce calls run in send order, also when one waits for room in librdkafka's queue.
    const turn = this.producing.then(() => this.produceAll(records));
    this.producing = turn.then(
      () => undefined,
      () => undefined,
    );
    return (await turn)();
  }

  /** Produces every record; returns a function giving the promise of all delivery reports. */
  private async produceAll(records: readonly SinkRecord[]): Promise<() => Promise<void>> {
    if (this.failed !== undefined) {
      const failed = this.failed;
      return () => Promise.reject(failed);
    }
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const topics = [...new Set(records.map((r) => r.topic))].join(',');
    const pending: Pending = {
      remaining: records.length,
      error: undefined,
      resolve,
      reject,
      topics,
      count: records.length,
    };
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const headers: MessageHeader[] | undefined =
        r.headers === undefined ? undefined : Object.entries(r.headers).map(([k, v]) => ({ [k]: v }));
      for (;;) {
        try {
          this.producer.produce(r.topic, r.partition ?? null, r.value, r.key ?? undefined, null, pending, headers);
          break;
        } catch (err) {
          if ((err as LibrdKafkaError).code !== ERR.ERR__QUEUE_FULL) {
            // Records already produced still report; fail this send once they have.
            pending.error ??= err as LibrdKafkaError;
            pending.remaining -= records.length - i;
            if (pending.remaining === 0) this.settle(pending);
            return () => done;
          }
          await new Promise<void>((res) => this.roomWaiters.push(res));
        }
      }
    }
    return () => done;
  }

  private onReport(err: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    const pending = report.opaque as Pending | undefined;
    if (this.roomWaiters.length > 0) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const w of waiters) w();
    }
    if (pending === undefined) return;
    if (err) pending.error ??= err;
    if (--pending.remaining === 0) this.settle(pending);
  }

  private settle(p: Pending): void {
    if (p.error === undefined) p.resolve();
    else {
      // Later records must not land after a gap: the sink refuses every later send.
      this.failed ??= new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `rdkafka sink: an earlier send failed (${p.error.message}); restart from the last checkpoint`,
        { cause: p.error },
      );
      p.reject(
        new KafkaError(
          'SHIFTSTREAM_KAFKA',
          `rdkafka sink: send of ${p.count} records to ${p.topics} failed: ${p.error.message}`,
          { cause: p.error, details: { topics: p.topics, records: p.count } },
        ),
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.connecting === undefined) return;
    await this.connecting.catch(() => undefined);
    if (!this.producer.isConnected()) return; // the connect failed (or was refused): nothing to flush
    await new Promise<void>((resolve, reject) =>
      this.producer.flush(10_000, (err) =>
        err
          ? reject(
              new KafkaError('SHIFTSTREAM_KAFKA', `rdkafka sink: flush on close failed: ${err.message}`, {
                cause: err,
              }),
            )
          : resolve(),
      ),
    );
    this.producer.setPollInterval(0);
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
  }
}
