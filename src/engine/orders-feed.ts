// The orders table of a run (order tagging, issue 6): the compacted orders topic that `orders sync`
// publishes, read like a Kafka Streams KTable beside stage 1's stream. At start the topic is read
// from the beginning up to the end offsets taken then (bounded by a deadline), before stage 1
// consumes anything; after that, updates are applied as they arrive. Nothing is committed: every
// process reads the whole table (its own throw-away consumer group), because any process may map
// any work center's samples.
//
// A record that is not a version-1 OrdersSnapshot of this plant is logged, counted and skipped (the
// work center keeps its previous list); a snapshot for a work center the topology does not know is
// counted and ignored; a tombstone clears the work center.
import { OrdersTable, parseOrdersSnapshot, type OrdersSnapshot } from '../core/orders.js';
import type { PlantPlan } from '../core/plan.js';
import { KafkaError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../ports/clock.js';
import type { EventSource, SourceRecord } from '../ports/event-source.js';
import type { Log } from '../ports/log.js';

/** Low and high watermark of one partition (the high one: the next offset to be written). */
export interface PartitionOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

export interface OrdersFeedOptions {
  readonly plan: PlantPlan;
  readonly topic: string;
  /** Subscribed to `topic` alone, in a consumer group of its own; never committed. */
  readonly source: EventSource;
  /** The topic's offsets now (read once, at start). */
  readonly offsets: () => Promise<readonly PartitionOffsets[]>;
  /** Fails the start when the table is not read to the end offsets within this. */
  readonly loadTimeoutMs: number;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly log: Log;
}

export type OrdersOutcome = 'applied' | 'tombstone' | 'ignored' | 'bad';

export class OrdersFeed {
  readonly table = new OrdersTable();
  /** The latest snapshot per work center (stage 2: attribution and planned maintenance). */
  readonly latest = new Map<string, OrdersSnapshot>();
  private readonly listeners: ((s: OrdersSnapshot) => void)[] = [];
  /** Records per outcome since start (also in the metric shiftstream_orders_records_total). */
  readonly counts: Record<OrdersOutcome, number> = { applied: 0, tombstone: 0, ignored: 0, bad: 0 };
  /** Next offset per partition (where a re-assignment resumes: the table never goes back in time). */
  private readonly position = new Map<number, bigint>();
  private running: Promise<void> | undefined;

  constructor(private readonly o: OrdersFeedOptions) {}

  /**
   * Starts consuming and resolves once every partition was read to the end offsets taken now.
   * Rejects on the deadline (naming each partition's position and end) or when the source stops
   * or fails first. Consumption goes on afterwards; `done()` settles when it ends.
   */
  async start(): Promise<void> {
    const { topic, source } = this.o;
    const started = this.o.clock.nowMs();
    const offsets = await this.o.offsets();
    const ends = new Map<number, bigint>();
    for (const p of offsets) {
      this.position.set(p.partition, BigInt(p.low));
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
    let reached: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => (reached = resolve));
    const check = (): void => {
      for (const [p, end] of ends) if ((this.position.get(p) ?? 0n) >= end) ends.delete(p);
      if (ends.size === 0) reached();
    };
    check();
    this.running = source.run({
      onAssign: async (tps) =>
        new Map(tps.map((tp) => [`${tp.topic}:${tp.partition}`, (this.position.get(tp.partition) ?? 0n).toString()])),
      onRevoke: async () => undefined,
      onBatch: async (batch) => {
        this.applyAll(batch.records);
        const last = batch.records[batch.records.length - 1];
        if (last !== undefined) this.position.set(batch.partition, BigInt(last.offset) + 1n);
        if (ends.size > 0) check();
      },
    });
    const running = this.running;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const where = [...ends]
          .map(([p, end]) => `partition ${p} at ${String(this.position.get(p) ?? '?')} of ${end}`)
          .join(', ');
        reject(
          new KafkaError(
            'SHIFTSTREAM_KAFKA',
            `orders topic ${topic}: expected to read it to its end offsets within ` +
              `${this.o.loadTimeoutMs} ms (topology orders.loadTimeout), found ${where}`,
          ),
        );
      }, this.o.loadTimeoutMs);
    });
    try {
      await Promise.race([
        loaded,
        deadline,
        running.then(() => {
          throw new KafkaError(
            'SHIFTSTREAM_KAFKA',
            `orders topic ${topic}: the consumer stopped before the table was read to its end offsets`,
            { retryable: false },
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    this.o.log.info(
      { topic, workCenters: this.table.size, ...this.counts, ms: this.o.clock.nowMs() - started },
      'orders table loaded',
    );
  }

  /** Calls `listener` with every snapshot applied from now on. */
  onSnapshot(listener: (s: OrdersSnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** Settles when consumption ends (after stop(), or on a fatal source error). */
  done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  stop(): Promise<void> {
    return this.o.source.stop();
  }

  private applyAll(records: readonly SourceRecord[]): void {
    for (const r of records) this.count(this.apply(r));
  }

  private count(outcome: OrdersOutcome): void {
    this.counts[outcome]++;
    this.o.metrics.inc('shiftstream_orders_records_total', { outcome });
  }

  private apply(r: SourceRecord): OrdersOutcome {
    const { plan, log, topic } = this.o;
    if (r.value === null) {
      const key = r.key?.toString('utf8');
      if (key === undefined || !plan.workCenters.has(key)) return 'ignored';
      this.table.clear(key);
      this.latest.delete(key);
      return 'tombstone';
    }
    const v = parseOrdersSnapshot(r.value.toString('utf8'), plan.plantId);
    if (!v.ok) {
      log.warn({ topic, partition: r.partition, offset: r.offset, detail: v.detail }, 'orders record skipped');
      return 'bad';
    }
    const workCenterId = v.snapshot.workCenterId;
    if (!plan.workCenters.has(workCenterId)) {
      log.debug(
        { topic, partition: r.partition, offset: r.offset, workCenterId },
        'orders snapshot for a work center outside the topology',
      );
      return 'ignored';
    }
    this.table.apply(v.snapshot);
    const held = this.latest.get(workCenterId);
    if (held === undefined || v.snapshot.atMs >= held.atMs) {
      this.latest.set(workCenterId, v.snapshot);
      for (const l of this.listeners) l(v.snapshot);
    }
    return 'applied';
  }
}
