// IngestSink on node-rdkafka: the same guarantee as the kafkajs sink (kafkajs-ingest-sink.ts), one
// transactional producer per input and each commit one Kafka transaction holding the records AND
// the input position as a consumer-group offset (sendOffsetsToTransaction, TxnOffsetCommit), but
// librdkafka encodes, batches and sends the records on its own threads: per record the JS thread
// only hands key and value over (bench/RESULTS.md, "MQTT ingest on node-rdkafka": about 5 us of
// process CPU per record against kafkajs' 30 in the same transactions of 5,000).
//
// node-rdkafka cannot set an offset's metadata, so the position is the offset alone: `line` is the
// committed offset, and the rest of the position is rebuilt by `positionAt(line)`. It fits inputs
// whose position is its line and its identity, i.e. the MQTT spool (line = last spooled sequence
// sent); a commit whose position is not `positionAt(position.line)` is refused. The input's
// identity (for the spool: its random id) must be part of `positionsGroup`, so that a position
// recorded for another spool is never read for this one.
//
// Why no duplicates after a kill -9: `open()` calls initTransactions with the same
// transactional.id, which makes the broker abort whatever transaction the dead process left open
// (its records are never visible to read_committed consumers) and fence it; the offset read
// afterwards is the one of the last committed transaction. The consumer here never joins its group
// (it is not subscribed): it exists because librdkafka takes the group of sendOffsetsToTransaction
// from a consumer, and it reads the committed offset.
import rdkafka from 'node-rdkafka';
import type { KafkaConsumer, LibrdKafkaError, MessageHeader, Producer } from 'node-rdkafka';
import type { Config } from '../../config/types.js';
import { KafkaError } from '../../errors.js';
import type { SinkRecord } from '../../ports/event-sink.js';
import type { IngestPosition, IngestSink } from '../../ports/ingest-sink.js';
import type { AdapterLogger } from './adapter-logger.js';
import { silentLogger } from './adapter-logger.js';
import { rdKafkaGlobalConfig } from './rdkafka-config.js';

const ERR = rdkafka.CODES.ERRORS;

export interface RdKafkaIngestSinkOptions {
  /** The transactional.id: one per input, stable across restarts. */
  readonly transactionalId: string;
  /** The consumer group whose committed offset is the input's line; it must name the input's identity. */
  readonly positionsGroup: string;
  /** The topic (partition 0) the position offset is committed for. */
  readonly positionsTopic: string;
  /** The whole position of a committed line. */
  readonly positionAt: (line: number) => IngestPosition;
  /** Transaction timeout (default 60 s): how long a dead process' open transaction may block readers. */
  readonly transactionTimeoutMs?: number;
  readonly clientId?: string;
  readonly logger?: AdapterLogger;
}

const call = (what: string, f: (cb: (err: LibrdKafkaError | null | undefined) => void) => void): Promise<void> =>
  new Promise<void>((resolve, reject) =>
    f((err) =>
      err
        ? reject(new KafkaError('SHIFTSTREAM_KAFKA', `ingest (rdkafka): ${what}: ${err.message}`, { cause: err }))
        : resolve(),
    ),
  );

export class RdKafkaIngestSink implements IngestSink {
  private readonly producer: Producer;
  private readonly consumer: KafkaConsumer;
  private readonly logger: AdapterLogger;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private opened = false;

  constructor(
    config: Config,
    private readonly options: RdKafkaIngestSinkOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = Math.max(config.kafka.requestTimeoutMs, 10_000);
    // The first metadata answer; librdkafka keeps retrying the brokers inside it.
    this.connectTimeoutMs = Math.max(config.kafka.connectionTimeoutMs, 5_000);
    const global = rdKafkaGlobalConfig(config, options.clientId ?? `${config.kafka.clientId}-ingest`);
    this.producer = new rdkafka.Producer(
      {
        ...global,
        'transactional.id': options.transactionalId,
        'enable.idempotence': true,
        'transaction.timeout.ms': options.transactionTimeoutMs ?? 60_000,
        'linger.ms': 5,
        'batch.num.messages': 10_000,
        // No delivery reports: commitTransaction flushes and fails if any record of it failed.
        dr_cb: false,
      },
      // Keys land where the kafkajs sink (and Java's default partitioner) puts them.
      { partitioner: 'murmur2_random' },
    );
    this.consumer = new rdkafka.KafkaConsumer(
      { ...global, 'group.id': options.positionsGroup, 'enable.auto.commit': false },
      {},
    );
    this.producer.on('event.error', (err) =>
      this.logger.warn({ err }, 'rdkafka ingest producer error (librdkafka retries)'),
    );
    this.consumer.on('event.error', (err) =>
      this.logger.warn({ err }, 'rdkafka ingest consumer error (librdkafka retries)'),
    );
  }

  async open(): Promise<IngestPosition | undefined> {
    const t = { timeout: this.connectTimeoutMs };
    try {
      await call('connect the producer', (cb) => this.producer.connect(t, (err) => cb(err)));
      this.opened = true;
      // Serves librdkafka's error and log events (there are no delivery reports).
      this.producer.setPollInterval(100);
      await call('connect the consumer', (cb) => this.consumer.connect(t, (err) => cb(err)));
      // InitProducerId: aborts and fences an earlier producer with this transactional.id.
      await call('init transactions', (cb) => this.producer.initTransactions(this.timeoutMs, cb));
    } catch (err) {
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `ingest: could not start the transactional producer ${this.options.transactionalId}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const committed = await new Promise<number>((resolve, reject) =>
      this.consumer.committed([{ topic: this.options.positionsTopic, partition: 0 }], this.timeoutMs, (err, tps) =>
        err
          ? reject(
              new KafkaError(
                'SHIFTSTREAM_KAFKA',
                `ingest: could not read the position of group ${this.options.positionsGroup}: ${err.message}`,
                { cause: err },
              ),
            )
          : resolve(tps[0]?.offset ?? -1),
      ),
    );
    // librdkafka: -1001 (OFFSET_INVALID) when nothing was committed.
    return committed >= 0 ? this.options.positionAt(committed) : undefined;
  }

  async commit(records: readonly SinkRecord[], position: IngestPosition): Promise<void> {
    if (JSON.stringify(this.options.positionAt(position.line)) !== JSON.stringify(position))
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `ingest (rdkafka): expected a position the committed offset alone restores, found ${JSON.stringify(position)}`,
        { retryable: false },
      );
    await call('begin the transaction', (cb) => this.producer.beginTransaction(cb));
    try {
      for (const r of records) {
        const headers: MessageHeader[] | undefined =
          r.headers === undefined ? undefined : Object.entries(r.headers).map(([k, v]) => ({ [k]: v }));
        for (;;) {
          try {
            this.producer.produce(r.topic, r.partition ?? null, r.value, r.key ?? undefined, null, undefined, headers);
            break;
          } catch (err) {
            if ((err as LibrdKafkaError).code !== ERR.ERR__QUEUE_FULL) throw err;
            await new Promise((resolve) => setTimeout(resolve, 2)); // librdkafka's threads send meanwhile
          }
        }
      }
      const anchor = [{ topic: this.options.positionsTopic, partition: 0, offset: position.line }];
      await call('send the position', (cb) =>
        this.producer.sendOffsetsToTransaction(anchor, this.consumer, this.timeoutMs, cb),
      );
      await call('commit', (cb) => this.producer.commitTransaction(this.timeoutMs, cb));
    } catch (err) {
      await call('abort', (cb) => this.producer.abortTransaction(this.timeoutMs, cb)).catch(() => undefined);
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `ingest: the transaction of ${records.length} records up to line ${position.line} failed ` +
          `(nothing of it is visible; a restart resumes after the last committed line): ${(err as Error).message}`,
        { cause: err, details: { line: position.line, records: records.length } },
      );
    }
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    this.producer.setPollInterval(0);
    // Bounded: with the broker gone, librdkafka may not answer a disconnect at once.
    const bounded = (f: (cb: () => void) => void): Promise<void> =>
      Promise.race([
        new Promise<void>((resolve) => f(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref()),
      ]);
    await Promise.all([
      bounded((cb) => this.producer.disconnect(5_000, () => cb())),
      bounded((cb) => (this.consumer.isConnected() ? this.consumer.disconnect(() => cb()) : cb())),
    ]);
  }
}
