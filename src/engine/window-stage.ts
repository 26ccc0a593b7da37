// Stage 2: the windowed lane. One WindowedProcessor per input partition of the enriched topic,
// checkpointed to the state store with the offset it reflects.
//
// Order per batch (Quix/Kafka Streams style): outputs are produced and acknowledged, then the
// checkpoint (snapshot + next offset) is saved, then the offset is committed to Kafka. A crash
// anywhere re-runs from the last checkpoint; the core is deterministic, so what is re-emitted is
// byte-identical to what was emitted before (same key, revision and content).
import { orderSummaryKey } from '../core/order-summary-key.js';
import type { OrdersSnapshot } from '../core/orders.js';
import { WindowedProcessor, type ProcessorOptions, type ProcessorOutput } from '../core/processor.js';
import { AlignedWatermark, type HoldBack } from '../core/watermarks.js';
import type { MachineEvent } from '../core/types.js';
import { ShiftstreamError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Codecs } from '../ports/codecs.js';
import {
  tpKey,
  type EventSource,
  type ResumeOffsets,
  type SourceBatch,
  type TopicPartition,
} from '../ports/event-source.js';
import type { EventSink, SinkRecord } from '../ports/event-sink.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Log } from '../ports/log.js';
import type { StateStore } from '../ports/state-store.js';
import type { TopologyPlan } from '../topology/types.js';
import { latenessBucket } from '../metrics/catalog.js';
import { rejectRecord } from './rejects.js';
import { KeyedSerializer } from './serial.js';
import { decodeDelta, decodeSnapshot, encodeDeltaAsync, encodeProcessorSnapshotInSteps } from './snapshot-codec.js';
import { yieldToLoop } from './yield.js';

export interface WindowStageOptions {
  readonly topology: TopologyPlan;
  readonly codecs: Codecs;
  readonly sink: EventSink;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly log: Log;
  /** Consumer group: part of the checkpoint key. */
  readonly groupId: string;
  readonly checkpointIntervalMs: number;
  /**
   * Incremental checkpoints: a new base after this many deltas (default 64), or once the deltas
   * hold as many bytes as the base. 0: every checkpoint is a whole base.
   */
  readonly checkpointMaxDeltas?: number;
  /**
   * Live runs pass the wall clock with each batch and advance idle partitions with it; replays and
   * backfills through Kafka use event time only (no idle advancement).
   */
  readonly live: boolean;
  /** Called after each checkpoint with the offsets it covers (commit them to the group). */
  readonly commit?: EventSource['commit'];
  /** Observe early (partial) results after each batch (live views). */
  readonly onEarly?: (summaries: ReturnType<WindowedProcessor['earlyUpdates']>) => void;
  /** Order tagging: summaries carry `orders`, the running orders of their windows' events. */
  readonly orders?: boolean;
  /** Order attribution from Odoo's work orders (section 11), besides plant order tags. */
  readonly attribution?: boolean;
  /**
   * The latest orders snapshot per work center (attribution and planned maintenance, sections 11
   * and 12): applied to every partition's processor when it is assigned and whenever one arrives.
   */
  readonly snapshots?: () => Iterable<OrdersSnapshot>;
  /**
   * While an input's watermark is held back (a raw partition that sent nothing, one far behind),
   * `tick` logs which sources hold it and why, this often (default 60 s: at least once a minute).
   */
  readonly holdBackLogIntervalMs?: number;
}

interface PartitionState {
  readonly tp: TopicPartition;
  processor: WindowedProcessor;
  watermark: AlignedWatermark;
  /** Next input offset to read (what a checkpoint records). */
  nextOffset: string | undefined;
  dirty: boolean;
  lastCheckpointMs: number;
  /** The stored chain this partition's next delta extends; undefined: the next checkpoint is a base. */
  chain: ChainState | undefined;
}

interface ChainState {
  readonly token: string;
  readonly deltas: number;
  readonly deltaBytes: number;
  readonly baseBytes: number;
}

/** Records applied between two turns of the event loop. */
const CHUNK = 1024;

/** Deltas after a base before the next base (5 min at the default 5 s interval). */
const DEFAULT_MAX_DELTAS = 64;

export class WindowStage {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly serial = new KeyedSerializer();
  private readonly processorOptions: ProcessorOptions;
  /** Per input partition: since when its watermark is held back, and when that was last logged. */
  private readonly heldBack = new Map<string, { sinceMs: number; loggedMs: number | undefined }>();

  constructor(private readonly o: WindowStageOptions) {
    this.processorOptions = {
      watermark: 'external',
      orders: o.orders === true,
      ...(o.attribution === true ? { attribution: true } : {}),
    };
  }

  private newProcessor(): WindowedProcessor {
    return new WindowedProcessor(this.o.topology.plant, this.processorOptions);
  }

  private newWatermark(): AlignedWatermark {
    const et = this.o.topology.plant.eventTime;
    return new AlignedWatermark(et.outOfOrdernessMs, et.idleTimeoutMs);
  }

  checkpointKey(tp: TopicPartition): string {
    return `${this.o.groupId}/${tp.topic}/${tp.partition}`;
  }

  async onAssign(tps: readonly TopicPartition[]): Promise<ResumeOffsets> {
    const resume = new Map<string, string | undefined>();
    for (const tp of tps) {
      const key = tpKey(tp);
      await this.serial.run(key, async () => {
        const stored = await this.o.store.loadChain(this.checkpointKey(tp));
        // The offset the restored state covers: the last delta's, else the base's.
        const cp = stored === undefined ? undefined : (stored.deltas[stored.deltas.length - 1] ?? stored.base);
        let processor: WindowedProcessor;
        let watermark: AlignedWatermark;
        let chain: ChainState | undefined;
        if (stored === undefined) {
          processor = this.newProcessor();
          watermark = this.newWatermark();
          // No checkpoint: rebuild from the start of the partition (deterministic, nothing lost).
          resume.set(key, '0');
        } else {
          try {
            const snap = decodeSnapshot(stored.base.snapshot);
            processor = WindowedProcessor.restore(this.o.topology.plant, snap.processor, this.processorOptions);
            let wm = snap.watermark;
            let deltaBytes = 0;
            for (const d of stored.deltas) {
              const delta = decodeDelta(d.snapshot);
              processor.applyDelta(delta.processor);
              wm = delta.watermark;
              deltaBytes += d.snapshot.length;
            }
            const et = this.o.topology.plant.eventTime;
            watermark = AlignedWatermark.restore(et.outOfOrdernessMs, et.idleTimeoutMs, wm);
            if (stored.token !== undefined)
              chain = {
                token: stored.token,
                deltas: stored.deltas.length,
                deltaBytes,
                baseBytes: stored.base.snapshot.length,
              };
          } catch (err) {
            throw new ShiftstreamError(
              'SHIFTSTREAM_STATE_RESTORE',
              `checkpoint ${this.checkpointKey(tp)}: cannot restore it for ` +
                `topology ${this.o.topology.source}: ${(err as Error).message}`,
              { cause: err },
            );
          }
          resume.set(key, cp!.offset);
        }
        // The table as known now: a restored processor that already holds it changes nothing.
        const amended = emptyProcessorOutput();
        for (const s of this.o.snapshots?.() ?? []) mergeOutput(amended, processor.applyOrdersSnapshot(s));
        if (amended.summaries.length > 0) await this.emit(amended, []);
        this.partitions.set(key, {
          tp,
          processor,
          watermark,
          nextOffset: cp?.offset,
          dirty: false,
          lastCheckpointMs: this.o.clock.nowMs(),
          chain,
        });
        this.o.log.info(
          {
            topic: tp.topic,
            partition: tp.partition,
            offset: cp?.offset ?? '0',
            restored: cp !== undefined,
            deltas: stored?.deltas.length ?? 0,
          },
          'partition assigned',
        );
      });
    }
    return resume;
  }

  async onRevoke(tps: readonly TopicPartition[]): Promise<void> {
    for (const tp of tps) {
      const key = tpKey(tp);
      await this.serial.run(key, async () => {
        const p = this.partitions.get(key);
        if (p === undefined) return;
        await this.checkpoint(p);
        this.partitions.delete(key);
        this.heldBack.delete(key);
      });
    }
  }

  handle(batch: SourceBatch): Promise<void> {
    return this.serial.run(tpKey(batch), () => this.handleNow(batch));
  }

  private async handleNow(batch: SourceBatch): Promise<void> {
    const key = tpKey(batch);
    let p = this.partitions.get(key);
    if (p === undefined) {
      // Delivered without an assignment callback (should not happen): start fresh, never guess.
      p = {
        tp: batch,
        processor: this.newProcessor(),
        watermark: this.newWatermark(),
        nextOffset: undefined,
        dirty: false,
        lastCheckpointMs: this.o.clock.nowMs(),
        chain: undefined,
      };
      this.partitions.set(key, p);
    }
    const { codecs } = this.o;
    await codecs.prepare(batch.records.map((r) => r.value));
    const now = this.o.live ? this.o.clock.nowMs() : undefined;
    const out: ProcessorOutput = {
      summaries: [],
      orderSummaries: [],
      milestones: [],
      late: [],
      duplicates: 0,
      applied: 0,
    };
    const rejected: SinkRecord[] = [];
    const proc = p.processor;
    let pending: MachineEvent[] = [];
    // Events are applied in log order; a marker first applies the events before it, then moves
    // the aligned watermark. The result depends only on the log's content, not on batching.
    const flushPending = (): void => {
      if (pending.length === 0) return;
      const o = proc.ingest(pending, now);
      appendOutput(out, o);
      pending = [];
    };
    const records = batch.records;
    for (let i = 0; i < records.length; i++) {
      // Give the event loop a turn every CHUNK records: the critical lane shares this process.
      if (i > 0 && i % CHUNK === 0) {
        flushPending();
        await yieldToLoop();
      }
      const rec = records[i]!;
      const d = rec.value === null ? undefined : codecs.event.decode(rec.value);
      if (d?.ok === true) {
        const ev = d.value;
        if (ev.kind === 'watermark') {
          flushPending();
          p.watermark.observe(ev.tag, ev.tsMs, ev.amount ?? 1, now);
          const wm = p.watermark.current(now);
          if (wm > proc.watermarkMs) proc.advanceTo(wm, out);
        } else pending.push(ev);
        continue;
      }
      const reason = d === undefined ? 'malformed-record' : d.reason;
      const detail = d === undefined ? 'empty value (tombstone)' : d.detail;
      rejectRecord(this.o.topology, codecs, this.o.metrics, rec, reason, detail, rejected);
    }
    flushPending();
    await this.emit(out, rejected);
    this.o.metrics.inc('shiftstream_events_in_total', { topic: batch.topic }, batch.records.length);
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined) {
      p.nextOffset = (BigInt(last.offset) + 1n).toString();
      p.dirty = true;
      if (batch.highWatermark !== undefined) {
        const lag = Number(BigInt(batch.highWatermark) - BigInt(p.nextOffset));
        this.o.metrics.set(
          'shiftstream_consumer_lag',
          { topic: batch.topic, partition: String(batch.partition) },
          Math.max(0, lag),
        );
      }
    }
    if (this.o.onEarly !== undefined) this.o.onEarly(p.processor.earlyUpdates());
    if (this.o.clock.nowMs() - p.lastCheckpointMs >= this.o.checkpointIntervalMs) await this.checkpoint(p, true);
  }

  /**
   * Idle advancement: partitions without data follow the wall clock. Event-time-only runs do not
   * advance, but a partition gone quiet still gets its progress checkpointed (and its offset
   * committed) once the interval passed: else the tail of a backfill stays uncommitted, the group
   * never shows zero lag, and a restart re-reads it.
   */
  async tick(): Promise<void> {
    const now = this.o.clock.nowMs();
    this.reportHoldBack(now);
    if (!this.o.live) {
      await Promise.all(
        [...this.partitions.keys()].map((key) =>
          this.serial.run(key, async () => {
            const p = this.partitions.get(key);
            if (p !== undefined && p.dirty && now - p.lastCheckpointMs >= this.o.checkpointIntervalMs)
              await this.checkpoint(p, true);
          }),
        ),
      );
      return;
    }
    await Promise.all(
      [...this.partitions.keys()].map((key) =>
        this.serial.run(key, async () => {
          const p = this.partitions.get(key);
          if (p === undefined) return;
          // Sources gone idle stop holding the watermark back; a wholly idle input follows the clock.
          const out = p.processor.tick(now);
          const wm = p.watermark.current(now);
          if (wm > p.processor.watermarkMs) p.processor.advanceTo(wm, out);
          if (out.summaries.length === 0 && out.late.length === 0 && out.milestones.length === 0) {
            if (p.dirty && now - p.lastCheckpointMs >= this.o.checkpointIntervalMs) await this.checkpoint(p, true);
            return;
          }
          await this.emit(out, []);
          // Wall-clock decisions are made durable at once, so a restart does not redo them differently.
          p.dirty = true;
          await this.checkpoint(p, true);
        }),
      ),
    );
  }

  /**
   * Logs (warn), per input partition whose watermark has been held back for the interval, and
   * again each interval while it stays so, which upstream sources hold it and why: otherwise an
   * empty raw partition stops every window without a word (issue 11).
   */
  private reportHoldBack(now: number): void {
    const intervalMs = this.o.holdBackLogIntervalMs ?? 60_000;
    for (const [key, p] of this.partitions) {
      const holding = p.watermark.holdBack(this.o.live ? now : undefined);
      if (holding.length === 0) {
        this.heldBack.delete(key);
        continue;
      }
      let h = this.heldBack.get(key);
      if (h === undefined) this.heldBack.set(key, (h = { sinceMs: now, loggedMs: undefined }));
      if (now - (h.loggedMs ?? h.sinceMs) < intervalMs) continue;
      h.loggedMs = now;
      const input = `${p.tp.topic}/${p.tp.partition}`;
      const wm = p.processor.watermarkMs;
      this.o.log.warn(
        {
          input,
          watermarkMs: Number.isFinite(wm) ? wm : null,
          heldForMs: now - h.sinceMs,
          holdBack: holding.map((b) => ({ ...b })),
        },
        `event-time watermark of ${input} held back by ${holding.map(describeHoldBack).join('; ')}`,
      );
    }
  }

  /**
   * A new orders snapshot (sections 11 and 12): every partition's processor takes it; the closed
   * windows it changes get new revisions, emitted and checkpointed at once.
   */
  async applySnapshot(snapshot: OrdersSnapshot): Promise<void> {
    await Promise.all(
      [...this.partitions.keys()].map((key) =>
        this.serial.run(key, async () => {
          const p = this.partitions.get(key);
          if (p === undefined) return;
          const out = p.processor.applyOrdersSnapshot(snapshot);
          p.dirty = true;
          if (out.summaries.length === 0) return;
          await this.emit(out, []);
          await this.checkpoint(p);
        }),
      ),
    );
  }

  /** Checkpoints every partition with unsaved progress. */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.partitions.keys()].map((key) =>
        this.serial.run(key, async () => {
          const p = this.partitions.get(key);
          if (p !== undefined) await this.checkpoint(p);
        }),
      ),
    );
  }

  /** Current early results of every partition (for live views). */
  earlyUpdates(): ReturnType<WindowedProcessor['earlyUpdates']> {
    return [...this.partitions.values()].flatMap((p) => p.processor.earlyUpdates());
  }

  /** Next input offset per held partition (processed, not necessarily checkpointed). */
  positions(): { topic: string; partition: number; nextOffset: string | undefined }[] {
    return [...this.partitions.values()].map((p) => ({
      topic: p.tp.topic,
      partition: p.tp.partition,
      nextOffset: p.nextOffset,
    }));
  }

  watermarks(): { topic: string; partition: number; watermarkMs: number }[] {
    return [...this.partitions.values()].map((p) => ({
      topic: p.tp.topic,
      partition: p.tp.partition,
      watermarkMs: p.processor.watermarkMs,
    }));
  }

  private async emit(out: ProcessorOutput, extra: SinkRecord[]): Promise<void> {
    const records = outputRecords(this.o, out, extra);
    if (records.length > 0) await this.o.sink.send(records);
    countSummaries(this.o.metrics, out);
  }

  /** `background`: the group commit after it may go in the background (checkpoints while running). */
  private async checkpoint(p: PartitionState, background = false): Promise<void> {
    if (!p.dirty || p.nextOffset === undefined) return;
    const started = this.o.clock.nowMs();
    // Runs under the partition's serializer: no batch of this partition changes it meanwhile; the
    // offset is taken with the snapshot all the same, before the compression's await.
    const offset = p.nextOffset;
    const key = this.checkpointKey(p.tp);
    // Any failure below leaves no chain: the next checkpoint is a whole base (the changes taken
    // into a delta that was not written are in it).
    const chain = p.chain;
    p.chain = undefined;
    const maxDeltas = this.o.checkpointMaxDeltas ?? DEFAULT_MAX_DELTAS;
    if (chain !== undefined && chain.deltas < maxDeltas && chain.deltaBytes < chain.baseBytes) {
      // What changed since the last checkpoint, appended with its offset in one atomic write.
      const bytes = await encodeDeltaAsync({
        v: 1,
        processor: p.processor.takeDelta(),
        watermark: p.watermark.snapshot(),
      });
      const token = await this.o.store.append(key, { offset, snapshot: bytes, savedAtMs: started }, chain.token);
      if (token !== undefined) {
        p.chain = { ...chain, token, deltas: chain.deltas + 1, deltaBytes: chain.deltaBytes + bytes.length };
        this.o.metrics.inc('shiftstream_checkpoint_bytes_total', { kind: 'delta' }, bytes.length);
      } else {
        this.o.log.warn(
          { topic: p.tp.topic, partition: p.tp.partition, key },
          'checkpoint chain written by another process since; writing a whole base',
        );
        this.o.metrics.inc('shiftstream_checkpoints_total', { outcome: 'chain_replaced' });
      }
    }
    if (p.chain === undefined) {
      const snapshot = await encodeProcessorSnapshotInSteps(p.processor, p.watermark.snapshot());
      p.processor.markCheckpoint();
      const token = await this.o.store.saveBase(key, { offset, snapshot, savedAtMs: started });
      this.o.metrics.inc('shiftstream_checkpoint_bytes_total', { kind: 'base' }, snapshot.length);
      if (maxDeltas > 0) p.chain = { token, deltas: 0, deltaBytes: 0, baseBytes: snapshot.length };
    }
    if (this.o.commit !== undefined) {
      // The Redis checkpoint is where a restart resumes; the group commit only shows progress
      // (lag). A failed commit (e.g. during a rebalance or a stop) is logged and retried next time.
      try {
        await this.o.commit([{ topic: p.tp.topic, partition: p.tp.partition, offset }], { background });
      } catch (err) {
        this.o.log.warn(
          { err, topic: p.tp.topic, partition: p.tp.partition, offset },
          'offset commit failed; the checkpoint stays authoritative',
        );
        this.o.metrics.inc('shiftstream_checkpoints_total', { outcome: 'commit_failed' });
      }
    }
    p.dirty = false;
    p.lastCheckpointMs = this.o.clock.nowMs();
    this.o.metrics.observe('shiftstream_checkpoint_duration_ms', {}, p.lastCheckpointMs - started);
    this.o.metrics.inc('shiftstream_checkpoints_total', { outcome: 'ok' });
    this.o.metrics.set(
      'shiftstream_watermark_lag_seconds',
      { topic: p.tp.topic, partition: String(p.tp.partition) },
      Math.max(0, (p.lastCheckpointMs - p.processor.watermarkMs) / 1000),
    );
  }
}

/**
 * The records of a processor output, appended to `records` (summaries, order summaries,
 * milestones that took their running order in event time, late samples), with their metrics.
 * Shared by the window stage and the fused path, so both write the same records in the same order.
 */
export function outputRecords(
  o: { readonly topology: TopologyPlan; readonly codecs: Codecs; readonly metrics: Metrics; readonly clock: Clock },
  out: ProcessorOutput,
  records: SinkRecord[],
): SinkRecord[] {
  const { topology, codecs, metrics } = o;
  const now = o.clock.nowMs();
  for (const s of out.summaries) {
    const topic = s.windowKind === 'shift' ? topology.topics.shiftSummaries : topology.topics.windowSummaries;
    records.push({
      topic,
      key: `${s.plantId}/${s.workCenterId}/${s.windowName}/${s.windowId}`,
      value: codecs.summary.encode(s),
    });
    if (s.revision === 1)
      metrics.observe('shiftstream_window_close_lag_seconds', { window: s.windowName }, (now - s.endMs) / 1000);
  }
  // Order summaries (docs/semantics.md section 11) with their shift summary's revision.
  for (const os of out.orderSummaries)
    records.push({
      topic: topology.topics.orderSummaries,
      key: orderSummaryKey(os),
      value: codecs.orderSummary.encode(os),
    });
  // Quantity and scrap milestones that took their running order in event time (section 9.3).
  for (const m of out.milestones)
    records.push({ topic: topology.topics.milestones, key: m.workCenterId, value: codecs.milestone.encode(m) });
  for (const l of out.late) {
    records.push({ topic: topology.topics.late, key: l.workCenterId, value: codecs.late.encode(l) });
    metrics.inc('shiftstream_late_samples_total', {
      bucket: latenessBucket(l.latenessMs),
      amended: String(l.amended),
    });
  }
  if (out.duplicates > 0) metrics.inc('shiftstream_duplicates_total', {}, out.duplicates);
  return records;
}

/** Counts summaries once they are sent. */
export function countSummaries(metrics: Metrics, out: ProcessorOutput): void {
  for (const s of out.summaries)
    metrics.inc('shiftstream_summaries_total', {
      window: s.windowName,
      kind: s.revision === 1 ? 'final' : 'amendment',
    });
}

/** `partition 3 of <topic>: no record yet`, `partition 1 of <topic>: behind by 42 s`. */
export function describeHoldBack(b: HoldBack): string {
  const at = b.source === undefined ? -1 : b.source.lastIndexOf('/');
  const name =
    b.source === undefined
      ? 'a source partition'
      : at < 0
        ? b.source
        : `partition ${b.source.slice(at + 1)} of ${b.source.slice(0, at)}`;
  if (b.reason === 'no-record') return `${name}: no record yet`;
  return `${name}: behind by ${Math.round(b.behindMs / 1000)} s (its highest ts ${new Date(b.maxTsMs).toISOString()})`;
}

export function appendOutput(into: ProcessorOutput, from: ProcessorOutput): void {
  for (const x of from.summaries) into.summaries.push(x);
  for (const x of from.orderSummaries) into.orderSummaries.push(x);
  for (const x of from.milestones) into.milestones.push(x);
  for (const x of from.late) into.late.push(x);
  into.duplicates += from.duplicates;
  into.applied += from.applied;
}

export function emptyProcessorOutput(): ProcessorOutput {
  return { summaries: [], orderSummaries: [], milestones: [], late: [], duplicates: 0, applied: 0 };
}

function mergeOutput(into: ProcessorOutput, from: ProcessorOutput): void {
  into.summaries.push(...from.summaries);
  into.orderSummaries.push(...from.orderSummaries);
  into.milestones.push(...from.milestones);
}
