// The fused path (docs/architecture.md "Fused path"): when this process owns every raw and
// canonical partition, stage 1 (map, enrich, critical lane) and the windowed lane run in one
// process. What stage 1 sends to the enriched topic is handed straight to one WindowedProcessor
// per enriched partition, partitioned exactly like the topic (the sink's partitioner), so the
// state layout is the two-stage one; the enriched topic is still produced (a public output) but
// never read back.
//
// One checkpoint (one key, a base and deltas) holds every enriched partition's state, the raw
// input offsets it covers (one consistent cut) and the outputs of the windows since the previous
// checkpoint (the outbox). Summaries, late records and order summaries leave only after the
// checkpoint that holds them is written: a restore re-sends the last outbox (byte-identical) and
// resumes from the raw offsets, so no output ever depends on an interleaving of raw partitions
// that a restart might not repeat.
import type { OrdersSnapshot } from '../core/orders.js';
import { WindowedProcessor, type ProcessorOptions, type ProcessorOutput } from '../core/processor.js';
import type { MachineEvent } from '../core/types.js';
import { AlignedWatermark } from '../core/watermarks.js';
import { ShiftstreamError } from '../errors.js';
import type { SinkRecord } from '../ports/event-sink.js';
import { tpKey, type ResumeOffsets, type SourceBatch, type TopicPartition } from '../ports/event-source.js';
import { createStageOne, startOrdersFeed } from './stage-one.js';
import type { MapperSubmission } from './mapper-stage.js';
import type { Pipeline, PipelineOptions, WindowView } from './pipeline.js';
import { KeyedSerializer } from './serial.js';
import { decodeDelta, decodeSnapshot, encodeDeltaAsync, encodeProcessorSnapshotInSteps } from './snapshot-codec.js';
import { appendOutput, countSummaries, emptyProcessorOutput, outputRecords } from './window-stage.js';

export interface FusedOptions {
  /** The state store key of the one checkpoint (e.g. `<group>-fused/<raw topic>`). */
  readonly checkpointKey: string;
  /** Every input partition this process must own: topic and partition count (raw, canonical). */
  readonly inputs: readonly { readonly topic: string; readonly partitions: number }[];
  /** The enriched partition of a key: the sink's partitioner (murmur2, like Kafka's default). */
  readonly partitionOf: (key: string) => number;
  /** Incremental checkpoints: a new base after this many deltas (default 64), as in the window stage. */
  readonly checkpointMaxDeltas?: number;
}

interface Part {
  readonly partition: number;
  processor: WindowedProcessor;
  watermark: AlignedWatermark;
}

/** A checkpoint's cut, taken under the lock, written after it (fused-pipeline's `capture`). */
interface Captured {
  readonly kind: 'base' | 'delta';
  /** The chain the delta extends (the stored one before this checkpoint). */
  readonly was: ChainState | undefined;
  readonly started: number;
  readonly acks: readonly Promise<void>[];
  readonly offsets: readonly { readonly topic: string; readonly partition: number; readonly offset: string }[];
  readonly sending: readonly SinkRecord[];
  readonly outputs: readonly ProcessorOutput[];
  /** The store's `offset` field of the frame: a sequence number (the raw offsets are in the frame). */
  readonly offset: string;
  readonly bytes: Promise<Buffer>;
}

interface ChainState {
  readonly token: string;
  readonly deltas: number;
  readonly deltaBytes: number;
  readonly baseBytes: number;
}

/** The payload of one frame of the fused checkpoint (JSON; the partitions' parts are gzip, base64). */
interface FusedFrame {
  readonly v: 1;
  readonly kind: 'base' | 'delta';
  /** Next raw (and canonical) offset per input partition: [topic, partition, offset]. */
  readonly offsets: readonly (readonly [string, number, string])[];
  /** The windows' outputs since the previous frame, sent after this frame is written. */
  readonly outbox: readonly EncodedRecord[];
  /** Per enriched partition (index = partition): a stage snapshot (base) or a stage delta, gzip, base64. */
  readonly partitions: readonly string[];
}

interface EncodedRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string | null;
}

const DEFAULT_MAX_DELTAS = 64;
/** A partition caught up with its input checkpoints (and so sends the windows' outputs) this soon. */
const CAUGHT_UP_CHECKPOINT_MS = 100;
const W = 'windows';

const encodeRecord = (r: SinkRecord): EncodedRecord => ({
  topic: r.topic,
  key: r.key === null ? null : Buffer.isBuffer(r.key) ? r.key.toString('latin1') : r.key,
  value: r.value === null ? null : r.value.toString('base64'),
});
const decodeRecord = (r: EncodedRecord): SinkRecord => ({
  topic: r.topic,
  key: r.key,
  value: r.value === null ? null : Buffer.from(r.value, 'base64'),
});

export function createFusedPipeline(o: PipelineOptions, f: FusedOptions): Pipeline {
  const plan = o.topology.plant;
  const { feed, mapper } = createStageOne(o);
  const processorOptions: ProcessorOptions = {
    watermark: 'external',
    orders: feed !== undefined && o.orders?.tagging === true,
    ...(o.orders?.attribution === true ? { attribution: true } : {}),
  };
  const snapshots = (): Iterable<OrdersSnapshot> =>
    feed === undefined || o.orders?.stage2 !== true ? [] : feed.latest.values();
  const et = plan.eventTime;
  const newPart = (partition: number): Part => ({
    partition,
    processor: new WindowedProcessor(plan, processorOptions),
    watermark: new AlignedWatermark(et.outOfOrdernessMs, et.idleTimeoutMs),
  });
  const expected = new Set(
    f.inputs.flatMap((i) => Array.from({ length: i.partitions }, (_, p) => tpKey({ topic: i.topic, partition: p }))),
  );
  const maxDeltas = f.checkpointMaxDeltas ?? DEFAULT_MAX_DELTAS;
  const serial = new KeyedSerializer();

  let parts: Part[] = [];
  /** Next input offset per raw (canonical) partition, of what the windows have applied. */
  const positions = new Map<string, { topic: string; partition: number; offset: string }>();
  let outbox: SinkRecord[] = [];
  let outboxOutputs: ProcessorOutput[] = [];
  let dirty = false;
  /** A batch was applied since the last tick (else the input is quiet). */
  let appliedSinceTick = false;
  let chain: ChainState | undefined;
  let seq = 0;
  let restored = false;
  let lastCheckpointMs = o.clock.nowMs();
  /** A failed checkpoint or outbox send: no later checkpoint may be written over the lost outbox. */
  let broken: unknown;
  let checkpoints: Promise<void> = Promise.resolve();
  const owned = new Set<string>();
  const pendingAcks = new Map<string, Promise<void>>();
  let assigned = false;
  let stopping: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let fatal: unknown;

  const fail = (err: unknown, what: string): void => {
    fatal ??= err;
    o.log.error({ err }, `${what}; stopping`);
    void stop();
  };

  /** Applies a stage-1 submission to the windows, as the enriched topic's partitions hold it. */
  const apply = (batch: SourceBatch, sub: MapperSubmission): void => {
    const now = o.live ? o.clock.nowMs() : undefined;
    const out = emptyProcessorOutput();
    const byPartition: MachineEvent[][] = parts.map(() => []);
    for (const ev of sub.events) byPartition[f.partitionOf(ev.workCenterId)]!.push(ev);
    for (const p of parts) {
      const events = byPartition[p.partition]!;
      // The enriched partition's log: this batch's events, then its marker (mapper-stage.ts).
      if (events.length > 0) appendOutput(out, p.processor.ingest(events, now));
      if (sub.progress !== undefined) {
        p.watermark.observe(sub.progress.source, sub.progress.tsMs, sub.progress.sources, now);
        const wm = p.watermark.current(now);
        if (wm > p.processor.watermarkMs) p.processor.advanceTo(wm, out);
      }
    }
    keep(out);
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined) {
      positions.set(tpKey(batch), {
        topic: batch.topic,
        partition: batch.partition,
        offset: (BigInt(last.offset) + 1n).toString(),
      });
      dirty = true;
      appliedSinceTick = true;
    }
  };

  /** Outputs wait in the outbox for the checkpoint that holds the state they came from. */
  const keep = (out: ProcessorOutput): void => {
    if (out.summaries.length === 0 && out.orderSummaries.length === 0 && out.milestones.length === 0) {
      if (out.late.length === 0 && out.duplicates === 0) return;
    }
    outputRecords(o, out, outbox);
    outboxOutputs.push(out);
    dirty = true;
  };

  const restore = async (): Promise<void> => {
    const stored = await o.store.loadChain(f.checkpointKey);
    parts = Array.from({ length: o.enrichedPartitions }, (_, p) => newPart(p));
    if (stored === undefined) {
      o.log.info({ key: f.checkpointKey }, 'fused: no checkpoint; reading the inputs from their start');
      return;
    }
    let resend: readonly EncodedRecord[];
    try {
      const base = JSON.parse(stored.base.snapshot.toString('utf8')) as FusedFrame;
      if (base.v !== 1 || base.kind !== 'base')
        throw new Error(`expected a fused base of version 1, found ${String(base.kind)} ${String(base.v)}`);
      if (base.partitions.length !== o.enrichedPartitions)
        throw new Error(
          `expected ${o.enrichedPartitions} enriched partitions, found ${base.partitions.length} in the checkpoint`,
        );
      parts = base.partitions.map((b64, partition) => {
        const snap = decodeSnapshot(Buffer.from(b64, 'base64'));
        return {
          partition,
          processor: WindowedProcessor.restore(plan, snap.processor, processorOptions),
          watermark: AlignedWatermark.restore(et.outOfOrdernessMs, et.idleTimeoutMs, snap.watermark),
        };
      });
      let last = base;
      let deltaBytes = 0;
      for (const d of stored.deltas) {
        const frame = JSON.parse(d.snapshot.toString('utf8')) as FusedFrame;
        if (frame.v !== 1 || frame.kind !== 'delta') throw new Error('expected a fused delta of version 1');
        frame.partitions.forEach((b64, i) => {
          const delta = decodeDelta(Buffer.from(b64, 'base64'));
          const p = parts[i]!;
          p.processor.applyDelta(delta.processor);
          p.watermark = AlignedWatermark.restore(et.outOfOrdernessMs, et.idleTimeoutMs, delta.watermark);
        });
        deltaBytes += d.snapshot.length;
        last = frame;
      }
      for (const [topic, partition, offset] of last.offsets)
        positions.set(tpKey({ topic, partition }), { topic, partition, offset });
      resend = last.outbox;
      seq = Number(stored.deltas[stored.deltas.length - 1]?.offset ?? stored.base.offset);
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
        `checkpoint ${f.checkpointKey}: cannot restore it for topology ${o.topology.source}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    // The last frame's outputs may not have reached the topics before the crash: again, same bytes.
    if (resend.length > 0) await o.sink.send(resend.map(decodeRecord));
    o.log.info(
      { key: f.checkpointKey, deltas: stored.deltas.length, resent: resend.length, inputs: positions.size },
      'fused: state restored',
    );
  };

  /**
   * The cut, taken under the windows' lock (no batch applied meanwhile): the offsets, the outbox,
   * the acknowledgements of stage 1's sends so far, and the state as a delta (taken and stringified
   * at once) or a base (encoded in steps, the lock held until it is done). `carried`: the outbox of
   * a delta that could not be appended, which this base takes over.
   */
  const capture = async (forceBase: boolean, carried?: Captured): Promise<Captured | undefined> => {
    if (!restored || (!dirty && carried === undefined)) return undefined;
    const started = carried?.started ?? o.clock.nowMs();
    const acks = [...pendingAcks.values()];
    const offsets = [...positions.values()];
    const sending = [...(carried?.sending ?? []), ...outbox];
    const outputs = [...(carried?.outputs ?? []), ...outboxOutputs];
    outbox = [];
    outboxOutputs = [];
    const head = {
      v: 1 as const,
      offsets: offsets.map((x) => [x.topic, x.partition, x.offset] as const),
      outbox: sending.map(encodeRecord),
    };
    const offset = String(++seq);
    const was = chain;
    chain = undefined;
    dirty = false;
    if (!forceBase && was !== undefined && was.deltas < maxDeltas && was.deltaBytes < was.baseBytes) {
      // encodeDeltaAsync stringifies now; only the compression runs after the lock is released.
      const deltas = Promise.all(
        parts.map((p) =>
          encodeDeltaAsync({ v: 1, processor: p.processor.takeDelta(), watermark: p.watermark.snapshot() }),
        ),
      );
      const bytes = deltas.then((ds) =>
        Buffer.from(JSON.stringify({ ...head, kind: 'delta', partitions: ds.map((d) => d.toString('base64')) })),
      );
      return { kind: 'delta', was, started, acks, offsets, sending, outputs, offset, bytes };
    }
    const snaps: Buffer[] = [];
    for (const p of parts) {
      snaps.push(await encodeProcessorSnapshotInSteps(p.processor, p.watermark.snapshot()));
      p.processor.markCheckpoint();
    }
    const bytes = Buffer.from(
      JSON.stringify({ ...head, kind: 'base', partitions: snaps.map((x) => x.toString('base64')) }),
    );
    return { kind: 'base', was, started, acks, offsets, sending, outputs, offset, bytes: Promise.resolve(bytes) };
  };

  /**
   * One checkpoint: the cut (capture, under the lock); stage 1's sends up to the cut acknowledged;
   * the frame written; then the outbox sent and the offsets committed to the group (progress only).
   * Checkpoints are chained: a frame is written only after the previous frame's outbox was
   * acknowledged, so a restore has at most the last frame's outbox to send again.
   */
  const checkpoint = (background: boolean): Promise<void> => {
    const run = checkpoints.then(async () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what a checkpoint failed with
      if (broken !== undefined) throw broken;
      let cut: Captured | undefined;
      try {
        cut = await serial.run(W, () => capture(false));
        if (cut === undefined) return;
        await Promise.all(cut.acks);
        if (cut.kind === 'delta') {
          const bytes = await cut.bytes;
          const token =
            cut.was === undefined
              ? undefined
              : await o.store.append(
                  f.checkpointKey,
                  { offset: cut.offset, snapshot: bytes, savedAtMs: cut.started },
                  cut.was.token,
                );
          if (token !== undefined && cut.was !== undefined) {
            chain = { ...cut.was, token, deltas: cut.was.deltas + 1, deltaBytes: cut.was.deltaBytes + bytes.length };
            o.metrics.inc('shiftstream_checkpoint_bytes_total', { kind: 'delta' }, bytes.length);
          } else {
            o.log.warn(
              { key: f.checkpointKey },
              'fused checkpoint chain written by another process since; writing a base',
            );
            o.metrics.inc('shiftstream_checkpoints_total', { outcome: 'chain_replaced' });
            // A base of the state as it is now, with its cut, and this delta's outbox carried over.
            const carried = cut;
            cut = (await serial.run(W, () => capture(true, carried)))!;
            await Promise.all(cut.acks);
          }
        }
        if (cut.kind === 'base') {
          const bytes = await cut.bytes;
          const token = await o.store.saveBase(f.checkpointKey, {
            offset: cut.offset,
            snapshot: bytes,
            savedAtMs: cut.started,
          });
          o.metrics.inc('shiftstream_checkpoint_bytes_total', { kind: 'base' }, bytes.length);
          if (maxDeltas > 0) chain = { token, deltas: 0, deltaBytes: 0, baseBytes: bytes.length };
        }
        lastCheckpointMs = o.clock.nowMs();
        o.metrics.observe('shiftstream_checkpoint_duration_ms', {}, lastCheckpointMs - cut.started);
        o.metrics.inc('shiftstream_checkpoints_total', { outcome: 'ok' });
        if (cut.sending.length > 0) await o.sink.send(cut.sending);
      } catch (err) {
        broken ??= err;
        throw err;
      }
      for (const out of cut.outputs) countSummaries(o.metrics, out);
      if (cut.offsets.length === 0) return;
      try {
        await o.mapperSource.commit(cut.offsets, { background });
      } catch (err) {
        o.log.warn({ err }, 'fused: offset commit failed; the checkpoint stays authoritative');
        o.metrics.inc('shiftstream_checkpoints_total', { outcome: 'commit_failed' });
      }
    });
    checkpoints = run.catch(() => undefined);
    return run;
  };

  const ordersSnapshot = (s: OrdersSnapshot): Promise<void> =>
    serial.run(W, async () => {
      if (!restored) return;
      for (const p of parts) keep(p.processor.applyOrdersSnapshot(s));
    });
  if (feed !== undefined && o.orders?.stage2 === true)
    feed.onSnapshot((s) => {
      ordersSnapshot(s)
        .then(() => checkpoint(true))
        .catch((err: unknown) => fail(err, 'applying an orders snapshot failed'));
    });

  const tick = async (): Promise<void> => {
    const now = o.clock.nowMs();
    if (o.live) {
      let moved = false;
      await serial.run(W, async () => {
        if (!restored) return;
        for (const p of parts) {
          const out = p.processor.tick(now);
          const wm = p.watermark.current(now);
          if (wm > p.processor.watermarkMs) p.processor.advanceTo(wm, out);
          if (out.summaries.length > 0 || out.late.length > 0 || out.milestones.length > 0) moved = true;
          keep(out);
        }
      });
      // Wall-clock decisions are checkpointed (and so sent) at once.
      if (moved) return checkpoint(true);
    }
    // A quiet input (no batch since the last tick: the tail of a backfill) checkpoints too, so the
    // windows' last outputs do not wait for the interval.
    const quiet = !appliedSinceTick;
    appliedSinceTick = false;
    if (dirty && (quiet || now - lastCheckpointMs >= o.checkpointIntervalMs)) await checkpoint(true);
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (timer !== undefined) clearInterval(timer);
      await Promise.allSettled([o.mapperSource.stop(), feed?.stop()]);
      await Promise.allSettled([...pendingAcks.values()]);
      if (broken === undefined && fatal === undefined) await checkpoint(false).catch(() => undefined);
    })();
    return stopping;
  };

  const windowView: WindowView = {
    positions: () =>
      [...positions.values()].map((p) => ({ topic: p.topic, partition: p.partition, nextOffset: p.offset })),
    watermarks: () =>
      parts.map((p) => ({
        topic: o.topology.topics.enriched,
        partition: p.partition,
        watermarkMs: p.processor.watermarkMs,
      })),
    earlyUpdates: () => parts.flatMap((p) => p.processor.earlyUpdates()),
  };

  return {
    windowStage: windowView,
    orders: feed,
    ready: () => assigned && stopping === undefined,
    stop,
    async run() {
      if (!(await startOrdersFeed(feed, stop, () => stopping !== undefined))) return;
      let ticking = false;
      timer = setInterval(() => {
        if (ticking) return;
        ticking = true;
        tick().then(
          () => (ticking = false),
          (err: unknown) => fail(err, 'fused tick failed'),
        );
      }, o.tickIntervalMs ?? 1_000);
      timer.unref();
      const running = o.mapperSource.run({
        onAssign: async (tps: readonly TopicPartition[]): Promise<ResumeOffsets> => {
          if (stopping !== undefined) return new Map();
          for (const tp of tps) owned.add(tpKey(tp));
          const missing = [...expected].filter((k) => !owned.has(k));
          if (missing.length > 0)
            throw new ShiftstreamError(
              'SHIFTSTREAM_FUSED_NOT_SOLE',
              `run.fused: expected this process to own every raw and canonical partition, found ` +
                `${missing.length} of ${expected.size} assigned elsewhere (${missing.slice(0, 4).join(', ')}` +
                `${missing.length > 4 ? ', ...' : ''}): another member is in the group. ` +
                `Run one process with run.fused=on, or run.fused=off for several`,
            );
          await serial.run(W, async () => {
            if (restored) return;
            await restore();
            for (const s of snapshots()) for (const p of parts) keep(p.processor.applyOrdersSnapshot(s));
            restored = true;
          });
          assigned = true;
          return new Map(tps.map((tp) => [tpKey(tp), positions.get(tpKey(tp))?.offset ?? '0']));
        },
        onRevoke: async (tps: readonly TopicPartition[]): Promise<void> => {
          await Promise.allSettled(tps.map((tp) => pendingAcks.get(tpKey(tp)) ?? Promise.resolve()));
          if (broken === undefined && restored) await checkpoint(false);
          for (const tp of tps) {
            owned.delete(tpKey(tp));
            pendingAcks.delete(tpKey(tp));
          }
          if (stopping === undefined)
            throw new ShiftstreamError(
              'SHIFTSTREAM_FUSED_NOT_SOLE',
              `run.fused: partitions revoked while running (${tps.map(tpKey).join(', ')}): another member ` +
                `joined the group; the fused path needs every partition. Checkpointed; stopping`,
            );
        },
        onBatch: async (batch: SourceBatch): Promise<void> => {
          if (stopping !== undefined) return;
          const key = tpKey(batch);
          const previous = pendingAcks.get(key);
          const sub = await mapper.submit(batch);
          const last = batch.records[batch.records.length - 1];
          const done = Promise.all([previous ?? Promise.resolve(), sub.acked]).then(() => {
            if (last === undefined || batch.highWatermark === undefined) return;
            const lag = Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n);
            o.metrics.set(
              'shiftstream_consumer_lag',
              { topic: batch.topic, partition: String(batch.partition) },
              Math.max(0, lag),
            );
          });
          pendingAcks.set(key, done);
          done.catch((err: unknown) => fail(err, `stage-1 send of ${key} failed`));
          await serial.run(W, () => {
            apply(batch, sub);
            return Promise.resolve();
          });
          if (previous !== undefined) await previous;
          // Outputs wait for a checkpoint: at the interval, and sooner once this partition is caught
          // up (the tail of a backfill, a quiet live input), at most every CAUGHT_UP_CHECKPOINT_MS.
          const since = o.clock.nowMs() - lastCheckpointMs;
          const caughtUp =
            last !== undefined &&
            batch.highWatermark !== undefined &&
            BigInt(last.offset) + 1n >= BigInt(batch.highWatermark);
          if (since >= o.checkpointIntervalMs || (caughtUp && since >= CAUGHT_UP_CHECKPOINT_MS)) await checkpoint(true);
        },
      });
      const runOrders = feed === undefined ? Promise.resolve() : feed.done();
      const results = await Promise.allSettled([
        runOrders.catch(async (err: unknown) => {
          await stop();
          throw err;
        }),
        running.catch(async (err: unknown) => {
          await stop();
          throw err;
        }),
      ]);
      await stop();
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what a send or tick failed with
      if (fatal !== undefined) throw fatal;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what a checkpoint failed with
      if (broken !== undefined) throw broken;
    },
  };
}
