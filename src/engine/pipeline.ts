// The pipeline of one plant: stage 1 (map, enrich, critical lane) and stage 2 (windowed lane),
// each behind its own consumer group, sharing one sink and one state store. With order tagging,
// the orders table (orders-feed.ts) is read to its end before either stage starts.
import type { Clock } from '../ports/clock.js';
import type { Codecs } from '../ports/codecs.js';
import type { EventSource } from '../ports/event-source.js';
import type { EventSink } from '../ports/event-sink.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Log } from '../ports/log.js';
import type { StateStore } from '../ports/state-store.js';
import type { TopologyPlan } from '../topology/types.js';
import { createStageOne, startOrdersFeed } from './stage-one.js';
import { type OrdersFeed, type PartitionOffsets } from './orders-feed.js';
import { WindowStage } from './window-stage.js';
import { createFusedPipeline, type FusedOptions } from './fused-pipeline.js';

export interface PipelineOptions {
  readonly topology: TopologyPlan;
  readonly codecs: Codecs;
  /** Subscribed to the raw (and canonical) topics, group `<groupId>-map`. */
  readonly mapperSource: EventSource;
  /** Subscribed to the enriched topic, group `<groupId>-window` (two-stage path; unused when fused). */
  readonly windowSource?: EventSource;
  readonly windowGroupId: string;
  readonly sink: EventSink;
  /** The critical lane's (milestones') own sink; default `sink`. */
  readonly criticalSink?: EventSink;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly log: Log;
  readonly live: boolean;
  readonly checkpointIntervalMs: number;
  /** Partitions of the enriched topic, and of the mapper's inputs (raw + canonical) together. */
  readonly enrichedPartitions: number;
  readonly sourcePartitions: number;
  /** How often stage 1 commits acknowledged input offsets (default 1 s; also on revoke and idle ticks). */
  readonly commitIntervalMs?: number;
  /** How often idle partitions are checked (advanced in live runs, checkpointed in both). */
  readonly tickIntervalMs?: number;
  readonly onEarly?: WindowStageOptions['onEarly'];
  /** Order tagging (topology `orders.tagging`): the orders topic as a table. Absent: off. */
  readonly orders?: PipelineOrders;
  /**
   * The fused path (fused-pipeline.ts, docs/architecture.md "Fused path"): map and windows in this
   * process, which must own every raw and canonical partition. Absent: the two-stage path.
   */
  readonly fused?: FusedOptions;
}

export interface PipelineOrders {
  readonly topic: string;
  /** Subscribed to the orders topic alone, in a consumer group of this process's own; never committed. */
  readonly source: EventSource;
  readonly offsets: () => Promise<readonly PartitionOffsets[]>;
  readonly loadTimeoutMs: number;
  /** Stage 1 tags events with the running order (topology orders.tagging). */
  readonly tagging: boolean;
  /**
   * Stage 2 takes the snapshots: attribution from Odoo's work orders (orders.attribution) and
   * planned maintenance (maintenance.equipment), docs/semantics.md sections 11 and 12.
   */
  readonly stage2: boolean;
  /** Order attribution from Odoo's work orders in stage 2. */
  readonly attribution: boolean;
}

type WindowStageOptions = ConstructorParameters<typeof WindowStage>[0];

/** What the windows show while running (tests, the demo's live view). */
export interface WindowView {
  /** Next input offset per held partition: of the enriched topic (two-stage) or the raw inputs (fused). */
  positions(): { topic: string; partition: number; nextOffset: string | undefined }[];
  /** Per enriched partition, its processor's watermark. */
  watermarks(): { topic: string; partition: number; watermarkMs: number }[];
  earlyUpdates(): ReturnType<WindowStage['earlyUpdates']>;
}

export interface Pipeline {
  readonly windowStage: WindowView;
  /** The orders table and its counts (order tagging only). */
  readonly orders: OrdersFeed | undefined;
  /** Runs until stop() or a fatal error (which stops the other stage too). */
  run(): Promise<void>;
  /** Flushes and checkpoints, leaves the groups, resolves when both stages stopped. */
  stop(): Promise<void>;
  /** True once both stages have their assignment (for /readyz). */
  ready(): boolean;
}

export function createPipeline(o: PipelineOptions): Pipeline {
  if (o.fused !== undefined) return createFusedPipeline(o, o.fused);
  const windowSource = o.windowSource;
  if (windowSource === undefined) throw new Error('createPipeline: the two-stage path needs a windowSource');
  const { feed, mapper } = createStageOne(o);
  const windows = new WindowStage({
    topology: o.topology,
    codecs: o.codecs,
    sink: o.sink,
    store: o.store,
    clock: o.clock,
    metrics: o.metrics,
    log: o.log,
    groupId: o.windowGroupId,
    checkpointIntervalMs: o.checkpointIntervalMs,
    live: o.live,
    commit: (offsets, options) => windowSource.commit(offsets, options),
    ...(o.onEarly === undefined ? {} : { onEarly: o.onEarly }),
    orders: feed !== undefined && o.orders?.tagging === true,
    attribution: o.orders?.attribution === true,
    ...(feed === undefined || o.orders?.stage2 !== true ? {} : { snapshots: () => feed.latest.values() }),
  });
  // Snapshots that arrive while running amend stage 2's closed windows (serialized per partition).
  if (feed !== undefined && o.orders?.stage2 === true)
    feed.onSnapshot((s) => {
      windows.applySnapshot(s).catch((err: unknown) => {
        tickError = err;
        o.log.error({ err }, 'applying an orders snapshot failed; stopping');
        void stop();
      });
    });
  let mapperAssigned = false;
  let windowsAssigned = false;
  let stopping: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let tickError: unknown;
  let commitPending: () => Promise<void> = () => Promise.resolve();

  /**
   * Stage 1, per input partition: the acknowledgement of its last batch handed over (the offset is
   * taken as done once it resolves). One batch's sends may be in flight while the next one is
   * mapped, so the next batch's milestones do not wait for this one's bulk acknowledgement.
   */
  const pendingAcks = new Map<string, Promise<void>>();
  let sendError: unknown;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (timer !== undefined) clearInterval(timer);
      await Promise.allSettled([o.mapperSource.stop(), windowSource.stop(), feed?.stop()]);
      await Promise.allSettled([...pendingAcks.values()]);
      await windows.flush();
    })();
    return stopping;
  };

  return {
    windowStage: windows,
    orders: feed,
    ready: () => mapperAssigned && windowsAssigned && stopping === undefined,
    stop,
    async run() {
      // The orders table first: no event is tagged from a table read only in part.
      if (!(await startOrdersFeed(feed, stop, () => stopping !== undefined))) return;
      let ticking = false;
      // Live runs: idle advancement. Event-time-only runs: checkpoints of partitions gone quiet.
      timer = setInterval(() => {
        if (ticking) return;
        ticking = true;
        Promise.all([windows.tick(), commitPending()]).then(
          () => (ticking = false),
          (err: unknown) => {
            tickError = err;
            o.log.error({ err }, 'idle tick failed; stopping');
            void stop();
          },
        );
      }, o.tickIntervalMs ?? 1_000);
      timer.unref();
      // Stage 1 commits acknowledged input offsets on an interval (a commit is a broker round trip,
      // blocking with node-rdkafka), on revocation and when idle. Commits are chained so an older
      // offset never lands after a newer one.
      const acked = new Map<string, { topic: string; partition: number; offset: string }>();
      const committed = new Map<string, string>();
      let chain: Promise<void> = Promise.resolve();
      let lastCommitAt = 0;
      // Commits while running go in the background (node-rdkafka's commitSync would hold the event
      // loop, and with it the critical lane, for a broker round trip); the last one of a revoked
      // partition is synchronous and always sent.
      const commitAcked = (only?: ReadonlySet<string>): Promise<void> => {
        const run = chain.then(async () => {
          const due = [...acked.entries()].filter(
            ([k, v]) => (only === undefined || only.has(k)) && committed.get(k) !== v.offset,
          );
          if (due.length === 0) return;
          try {
            await o.mapperSource.commit(
              due.map(([, v]) => v),
              { background: only === undefined },
            );
          } catch (err) {
            // At-least-once holds either way: uncommitted input is re-read and stage 2 drops the
            // exact duplicates. Log, count, and retry with the next commit.
            o.log.warn({ err, partitions: due.map(([k]) => k) }, 'stage-1 offset commit failed; retrying later');
            o.metrics.inc('shiftstream_checkpoints_total', { outcome: 'commit_failed' });
            return;
          }
          for (const [k, v] of due) committed.set(k, v.offset);
        });
        chain = run.catch(() => undefined);
        return run;
      };
      commitPending = () => commitAcked();
      const runMapper = o.mapperSource.run({
        onAssign: async () => {
          mapperAssigned = true;
          return new Map();
        },
        onRevoke: async (tps) => {
          const keys = new Set(tps.map((tp) => `${tp.topic}:${tp.partition}`));
          // What was handed over is acknowledged (or failed) before the last commit of these partitions.
          await Promise.allSettled([...keys].map((k) => pendingAcks.get(k) ?? Promise.resolve()));
          for (const k of keys) {
            pendingAcks.delete(k);
            committed.delete(k); // a background commit may have failed: send the last one again
          }
          await commitAcked(keys);
          for (const k of keys) {
            acked.delete(k);
            committed.delete(k);
          }
        },
        onBatch: async (batch) => {
          // Stopping: leave the batch unprocessed and uncommitted; the next owner re-reads it.
          if (stopping !== undefined) return;
          const key = `${batch.topic}:${batch.partition}`;
          const previous = pendingAcks.get(key);
          const { acked: sent } = await mapper.submit(batch);
          const last = batch.records[batch.records.length - 1];
          // Acknowledged only behind the previous batch: a failed earlier send never lets a later
          // offset be committed over it.
          const done = Promise.all([previous ?? Promise.resolve(), sent]).then(() => {
            if (last === undefined) return;
            if (batch.highWatermark !== undefined) {
              const lag = Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n);
              o.metrics.set(
                'shiftstream_consumer_lag',
                { topic: batch.topic, partition: String(batch.partition) },
                Math.max(0, lag),
              );
            }
            // Outputs are acknowledged: the input offset may be committed (at-least-once; stage 2
            // drops exact duplicates, so a replayed sample is counted once). Batches of a partition
            // are acknowledged in order: each send starts after the previous batch's, and a sink
            // keeps its sends in call order.
            acked.set(key, {
              topic: batch.topic,
              partition: batch.partition,
              offset: (BigInt(last.offset) + 1n).toString(),
            });
          });
          pendingAcks.set(key, done);
          // A failure stops the pipeline (an idle partition has no next batch to surface it); it
          // stays in pendingAcks, so no later batch of the partition is acknowledged over it.
          done.catch((err: unknown) => {
            sendError ??= err;
            o.log.error({ err, topic: batch.topic, partition: batch.partition }, 'stage-1 send failed; stopping');
            void stop();
          });
          // At most this batch's sends stay in flight when the next batch is handed over.
          if (previous !== undefined) await previous;
          const now = o.clock.nowMs();
          if (now - lastCommitAt >= (o.commitIntervalMs ?? 1_000)) {
            lastCommitAt = now;
            await commitAcked();
          }
        },
      });
      const runWindows = windowSource.run({
        onAssign: async (tps) => {
          const r = await windows.onAssign(tps);
          windowsAssigned = true;
          return r;
        },
        onRevoke: (tps) => windows.onRevoke(tps),
        onBatch: (batch) => (stopping !== undefined ? Promise.resolve() : windows.handle(batch)),
      });
      // The table keeps following the topic; its consumer failing stops the pipeline like the others'.
      const runOrders = feed === undefined ? Promise.resolve() : feed.done();
      const results = await Promise.allSettled([
        runOrders.catch(async (err: unknown) => {
          await stop();
          throw err;
        }),
        runMapper.catch(async (err: unknown) => {
          await stop();
          throw err;
        }),
        runWindows.catch(async (err: unknown) => {
          await stop();
          throw err;
        }),
      ]);
      await stop();
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what a send rejected with
      if (sendError !== undefined) throw sendError;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what the tick caught
      if (tickError !== undefined) throw tickError;
    },
  };
}
