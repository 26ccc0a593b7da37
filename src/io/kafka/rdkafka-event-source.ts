// EventSource on node-rdkafka: a KafkaConsumer with our own rebalance_cb and a `consume(n)` loop.
//
// Rebalances (eager protocol, librdkafka waits for our assign/unassign call):
//   revoke: stop dispatching, wait for onBatch in flight, onRevoke(partitions), then unassign();
//   assign: onAssign(partitions), then assign() with the offsets it returned (committed/earliest
//           for the partitions it left undefined).
// So onRevoke runs before another member can get the partition, unlike kafkajs.
// Backpressure: messages wait in a per-partition queue while that partition's onBatch runs; when
// a partition's queue reaches `maxQueuedPerPartition`, the loop stops calling consume() until a
// batch in flight finishes (its queue then leaves as the next batch). Messages meanwhile wait in
// librdkafka's pre-fetch queue (queued.min.messages / queued.max.messages.kbytes bound it).
// Not pause()/resume(): a pause purges the partition's pre-fetched messages and a resume fetches
// them again, and with the queue bound reached every couple of batches that cycle starved stage 1
// (measured: consume(1000) returned ~170 messages per 10 ms wait, stage 1 had no batch in flight
// half of the run; 2x throughput without it, bench/RESULTS.md). The cost: a partition at its
// bound holds back the others of this consumer for at most one of its batches, and rebalance
// callbacks (served inside consume()) wait as long.
// Commits are `commitSync` (one blocking round trip per checkpoint, not per batch).
import rdkafka from 'node-rdkafka';
import type { Assignment, KafkaConsumer, LibrdKafkaError, Message } from 'node-rdkafka';
import type { Config } from '../../config/types.js';
import { KafkaError } from '../../errors.js';
import type { EventSource, SourceHandlers, SourceRecord, TopicPartition } from '../../ports/event-source.js';
import { tpKey } from '../../ports/event-source.js';
import type { AdapterLogger } from './adapter-logger.js';
import { silentLogger } from './adapter-logger.js';
import { parseOffset } from './kafkajs-event-source.js';
import { rdKafkaGlobalConfig, watchRdKafkaRefusal } from './rdkafka-config.js';

const { CODES } = rdkafka;
const ERR = CODES.ERRORS;

export interface RdKafkaEventSourceOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly clientId?: string;
  readonly logger?: AdapterLogger;
  /** Messages per `consume(n)` call. Default 1000. */
  readonly consumeBatchSize?: number;
  /**
   * How long one `consume(n)` waits for the next message before returning what it has. Default
   * 1 ms. node-rdkafka's consume(n) applies it to every message, not only the first: under a
   * steady flow it returns only at a gap this long or at n messages, so 10 ms held up to n
   * messages (~185 ms at 5,400 events/s: the critical lane's ~100 ms p50).
   */
  readonly consumeTimeoutMs?: number;
  /** After a consume() that returned nothing: how long the next one waits for a first message. Default 50 ms. */
  readonly idleWaitMs?: number;
  /** Records queued for one partition (besides its batch in flight) before consume() waits. Default 5000. */
  readonly maxQueuedPerPartition?: number;
  /** Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Extra librdkafka properties (tests, tuning). */
  readonly rdkafka?: Readonly<Record<string, string | number | boolean>>;
}

interface Held {
  readonly tp: TopicPartition;
  readonly key: string;
  /** Next offset expected; earlier ones (re-fetched after a resume) are dropped. */
  next: number;
  queue: SourceRecord[];
  inFlight: Promise<void> | undefined;
}

export class RdKafkaEventSource implements EventSource {
  private readonly logger: AdapterLogger;
  private readonly consumer: KafkaConsumer;
  private handlers: SourceHandlers | undefined;
  private readonly held = new Map<string, Held>();
  private rebalanceChain: Promise<void> = Promise.resolve();
  private stopping = false;
  private settled = false;
  private loopDone: Promise<void> = Promise.resolve();
  private resolveRun: () => void = () => undefined;
  private rejectRun: (err: unknown) => void = () => undefined;
  private readonly batchSize: number;
  private readonly maxQueued: number;
  private readonly gapMs: number;
  private readonly idleWaitMs: number;
  /** The last consume() returned nothing: wait for a first message with idleWaitMs. */
  private idle = true;
  /** An error of the call that followed an idle wait, thrown by the next consumeOnce(). */
  private deferred: unknown;
  /** Wakes the consume loop waiting for room (a batch finished, stop, failure). */
  private roomWaiter: (() => void) | undefined;

  constructor(
    config: Config,
    private readonly options: RdKafkaEventSourceOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.batchSize = options.consumeBatchSize ?? 1000;
    this.maxQueued = options.maxQueuedPerPartition ?? 5000;
    this.consumer = new rdkafka.KafkaConsumer(
      {
        ...rdKafkaGlobalConfig(config, options.clientId),
        'group.id': options.groupId,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'session.timeout.ms': options.sessionTimeoutMs ?? 10_000,
        'partition.assignment.strategy': 'range',
        rebalance_cb: (err: LibrdKafkaError, assignment: Assignment[]) => this.onRebalance(err, assignment),
        offset_commit_cb: (err: LibrdKafkaError | null, tps: unknown) => {
          if (err !== null && err !== undefined && err.code !== ERR.ERR_NO_ERROR && err.code !== ERR.ERR__NO_OFFSET)
            this.logger.warn({ err, groupId: options.groupId, partitions: tps }, 'rdkafka offset commit failed');
        },
        ...options.rdkafka,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    this.gapMs = options.consumeTimeoutMs ?? 1;
    this.idleWaitMs = options.idleWaitMs ?? 50;
    this.consumer.on('event.error', (err) => {
      if (err.isFatal || err.code === ERR.ERR__FATAL) this.fail(this.wrap('fatal client error', err));
      else this.logger.warn({ err, groupId: options.groupId }, 'rdkafka consumer error (librdkafka retries)');
    });
  }

  private where(): string {
    return `rdkafka source (group ${this.options.groupId}, topics ${this.options.topics.join(',')})`;
  }

  run(handlers: SourceHandlers): Promise<void> {
    if (this.handlers !== undefined)
      return Promise.reject(new KafkaError('SHIFTSTREAM_KAFKA', `${this.where()}: run() called twice`));
    this.handlers = handlers;
    const done = new Promise<void>((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
    });
    // A refused login or certificate fails run() at once, with librdkafka's reason. Not through
    // fail(): its disconnect would wait for the connect below (until its timeout); the connect
    // callback cleans up instead.
    const unwatch = watchRdKafkaRefusal(this.consumer, (reason) => {
      if (this.settled) return;
      this.settled = true;
      const err = new KafkaError('SHIFTSTREAM_KAFKA', `${this.where()}: could not connect: ${reason}`, {
        retryable: false,
        details: { groupId: this.options.groupId, topics: this.options.topics },
      });
      this.logger.error({ err, groupId: this.options.groupId }, 'rdkafka source failed');
      this.rejectRun(err);
    });
    this.consumer.connect({ timeout: 30_000 }, (err) => {
      unwatch();
      if (this.settled) {
        // Failed or stopped while connecting: leave nothing connected behind.
        if (!err) this.disconnect().catch(() => undefined);
        return;
      }
      if (err) {
        this.fail(this.wrap('could not connect', err));
        return;
      }
      try {
        this.consumer.subscribe([...this.options.topics]);
      } catch (e) {
        this.fail(this.wrap('subscribe failed', e));
        return;
      }
      this.loopDone = this.loop();
    });
    return done;
  }

  commit(
    offsets: readonly (TopicPartition & { readonly offset: string })[],
    options: { readonly background?: boolean } = {},
  ): Promise<void> {
    if (offsets.length === 0) return Promise.resolve();
    const tps = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) }));
    try {
      // commitSync holds the event loop for a broker round trip (measured: up to 87 ms at load 10,
      // every second, bench/RESULTS.md); background commits are queued to librdkafka, and a
      // failure reaches offset_commit_cb (logged there).
      if (options.background === true) this.consumer.commit(tps);
      else this.consumer.commitSync(tps);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(
        this.wrap(`commit of ${offsets.map((o) => `${tpKey(o)}@${o.offset}`).join(',')} failed`, err),
      );
    }
  }

  async stop(): Promise<void> {
    if (this.settled || this.stopping) return;
    this.stopping = true;
    this.wake();
    try {
      await this.loopDone;
      await this.rebalanceChain;
      const held = [...this.held.values()];
      await Promise.all(held.map(async (h) => h.inFlight));
      if (held.length > 0 && !this.settled) await this.handlers?.onRevoke(held.map((h) => h.tp));
      this.held.clear();
      await this.disconnect();
    } catch (err) {
      this.fail(this.wrap('stop failed', err));
      return;
    }
    if (!this.settled) {
      this.settled = true;
      this.resolveRun();
    }
  }

  private disconnect(): Promise<void> {
    if (!this.consumer.isConnected()) return Promise.resolve();
    return new Promise((resolve, reject) =>
      this.consumer.disconnect((err) => (err ? reject(this.wrap('disconnect failed', err)) : resolve())),
    );
  }

  private consumeCall(n: number, timeoutMs: number): Promise<Message[]> {
    this.consumer.setDefaultConsumeTimeout(timeoutMs);
    return new Promise((resolve, reject) =>
      this.consumer.consume(n, (err, messages) =>
        /* eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors --
           librdkafka's error object as it came */
        err ? reject(err) : resolve(messages),
      ),
    );
  }

  /**
   * Up to batchSize messages, returned at the first gap of gapMs. When idle, the first message is
   * awaited up to idleWaitMs (it returns as soon as one arrives), then the rest is gathered with
   * the short gap, so an idle consumer neither spins nor sends one-message batches.
   */
  private async consumeOnce(): Promise<Message[]> {
    if (this.deferred !== undefined) {
      const err = this.deferred;
      this.deferred = undefined;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows librdkafka's error as it came
      throw err;
    }
    if (!this.idle) {
      const messages = await this.consumeCall(this.batchSize, this.gapMs);
      this.idle = messages.length === 0;
      return messages;
    }
    const first = await this.consumeCall(1, this.idleWaitMs);
    if (first.length === 0 || this.batchSize === 1) return first;
    this.idle = false;
    try {
      return first.concat(await this.consumeCall(this.batchSize - 1, this.gapMs));
    } catch (err) {
      this.deferred = err; // the first message is delivered; the error comes with the next call
      return first;
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping && !this.settled) {
      if (this.full()) {
        await new Promise<void>((resolve) => (this.roomWaiter = resolve));
        continue;
      }
      let messages: Message[];
      try {
        messages = await this.consumeOnce();
      } catch (err) {
        const code = (err as LibrdKafkaError).code;
        if (code === ERR.ERR__TIMED_OUT || code === ERR.ERR__TIMED_OUT_QUEUE) continue;
        this.fail(this.wrap('consume failed', err));
        return;
      }
      const touched = new Set<Held>();
      for (const m of messages) {
        const h = this.held.get(`${m.topic}:${m.partition}`);
        if (h === undefined || m.offset < h.next) continue; // revoked meanwhile, or re-fetched
        h.queue.push({
          topic: m.topic,
          partition: m.partition,
          offset: String(m.offset),
          key: m.key === undefined || m.key === null ? null : typeof m.key === 'string' ? Buffer.from(m.key) : m.key,
          value: m.value,
          timestampMs: m.timestamp ?? 0,
        });
        h.next = m.offset + 1;
        touched.add(h);
      }
      for (const h of touched) if (h.inFlight === undefined) this.dispatch(h);
    }
  }

  /** A held partition's queue reached its bound (it has a batch in flight, else it was dispatched). */
  private full(): boolean {
    for (const h of this.held.values()) if (h.queue.length >= this.maxQueued) return true;
    return false;
  }

  private wake(): void {
    const w = this.roomWaiter;
    this.roomWaiter = undefined;
    w?.();
  }

  /**
   * The partition's end offset as librdkafka last saw it in a fetch response (a cached value: no
   * request), for the consumer-lag gauge. Undefined before the first fetch answered.
   */
  private highWatermark(tp: TopicPartition): string | undefined {
    try {
      const { highOffset } = this.consumer.getWatermarkOffsets(tp.topic, tp.partition);
      return Number.isSafeInteger(highOffset) && highOffset >= 0 ? String(highOffset) : undefined;
    } catch {
      return undefined; // no cached offset yet: the gauge waits for the next batch
    }
  }

  private dispatch(h: Held): void {
    // Stopping: no new batch (queued records are dropped uncommitted; the next owner re-reads them).
    if (this.settled || this.stopping || h.queue.length === 0 || this.held.get(h.key) !== h) return;
    const records = h.queue;
    h.queue = [];
    const highWatermark = this.highWatermark(h.tp);
    const batch =
      highWatermark === undefined
        ? { topic: h.tp.topic, partition: h.tp.partition, records }
        : { topic: h.tp.topic, partition: h.tp.partition, records, highWatermark };
    h.inFlight = this.handlers!.onBatch(batch).then(
      () => {
        h.inFlight = undefined;
        this.dispatch(h);
        this.wake();
      },
      (err: unknown) => {
        h.inFlight = undefined;
        this.fail(err);
      },
    );
  }

  private onRebalance(err: LibrdKafkaError, assignment: Assignment[]): void {
    this.rebalanceChain = this.rebalanceChain
      .then(() => this.rebalance(err.code, assignment))
      .catch((e: unknown) => this.fail(this.wrap('rebalance failed', e)));
  }

  private async rebalance(code: number, assignment: Assignment[]): Promise<void> {
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    if (code === ERR.ERR__ASSIGN_PARTITIONS) {
      if (this.stopping || this.settled) {
        this.consumer.assign(tps);
        return;
      }
      const offsets = await this.handlers!.onAssign(tps);
      const withOffsets: Assignment[] = [];
      for (const tp of tps) {
        const key = tpKey(tp);
        const o = offsets.get(key);
        const next = o === undefined ? undefined : Number(parseOffset(o, key, this.where()));
        this.held.set(key, { tp, key, next: next ?? 0, queue: [], inFlight: undefined });
        withOffsets.push(next === undefined ? tp : { ...tp, offset: next });
      }
      this.logger.info({ groupId: this.options.groupId, assigned: tps.map(tpKey) }, 'partitions assigned');
      this.consumer.assign(withOffsets);
    } else if (code === ERR.ERR__REVOKE_PARTITIONS) {
      const held = tps.map((tp) => this.held.get(tpKey(tp))).filter((h): h is Held => h !== undefined);
      for (const h of held) this.held.delete(h.key); // stop dispatching; queued records are dropped
      await Promise.all(held.map(async (h) => h.inFlight));
      if (held.length > 0 && !this.settled && !this.stopping) await this.handlers!.onRevoke(held.map((h) => h.tp));
      this.logger.info({ groupId: this.options.groupId, revoked: tps.map(tpKey) }, 'partitions revoked');
      this.consumer.unassign();
    } else {
      throw new KafkaError(
        'SHIFTSTREAM_KAFKA',
        `${this.where()}: rebalance callback got error code ${code}, expected assign (-175) or revoke (-174)`,
      );
    }
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.wake();
    this.logger.error({ err, groupId: this.options.groupId }, 'rdkafka source failed');
    const reject = (): void => this.rejectRun(err);
    this.loopDone.then(() => this.disconnect()).then(reject, reject);
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
