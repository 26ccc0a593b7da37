// Runs the real pipeline over the embedded log on the two-stage path or the fused one (with
// optional graceful restarts between input chunks), and reads back what it produced: for the
// differential test fused ≡ two-stage (test/prop/fused.prop.test.ts).
import { createPipeline, type Pipeline } from '../../src/engine/pipeline.js';
import { createLocalCodecs } from '../../src/io/avro/codecs.js';
import {
  MemoryEventSink,
  MemoryEventSource,
  MemoryLog,
  MemoryStateStore,
  partitionForKey,
} from '../../src/io/memory/index.js';
import { createNoopMetrics } from '../../src/metrics/index.js';
import type { OrderSummary, WindowSummary } from '../../src/core/types.js';
import type { SinkRecord } from '../../src/ports/event-sink.js';
import { silentLog } from '../../src/ports/log.js';
import type { TopologyPlan } from '../../src/topology/types.js';

export interface PathRun {
  readonly log: MemoryLog;
  readonly summaries: WindowSummary[];
  readonly orderSummaries: OrderSummary[];
  /** Kafka key + '@' + revision of summary and order-summary records whose bytes differ (must be none). */
  readonly conflicts: string[];
  /** Final watermark per enriched partition. */
  readonly watermarks: number[];
  /** Enriched records (events, no markers) on the public topic. */
  readonly enrichedEvents: number;
}

const MAP = 'test-map';
const WINDOW = 'test-window';

function topicsOf(topology: TopologyPlan): string[] {
  return Object.values(topology.topics).filter((x): x is string => typeof x === 'string');
}

function start(
  topology: TopologyPlan,
  log: MemoryLog,
  store: MemoryStateStore,
  codecs: ReturnType<typeof createLocalCodecs>,
  fused: boolean,
  partitions: number,
  maxBatchRecords: number,
): { pipeline: Pipeline; done: Promise<void> } {
  const t = topology.topics;
  const pipeline = createPipeline({
    topology,
    codecs,
    mapperSource: new MemoryEventSource(log, { groupId: MAP, topics: [t.raw, t.canonical], maxBatchRecords }),
    ...(fused ? {} : { windowSource: new MemoryEventSource(log, { groupId: WINDOW, topics: [t.enriched] }) }),
    windowGroupId: WINDOW,
    sink: new MemoryEventSink(log),
    store,
    clock: { nowMs: () => Date.now() },
    metrics: createNoopMetrics(),
    log: silentLog,
    live: false,
    checkpointIntervalMs: 5,
    commitIntervalMs: 0,
    tickIntervalMs: 5,
    enrichedPartitions: partitions,
    sourcePartitions: partitions,
    ...(fused
      ? {
          fused: {
            checkpointKey: 'test-fused/raw',
            inputs: [
              { topic: t.raw, partitions },
              { topic: t.canonical, partitions },
            ],
            partitionOf: (key: string) => partitionForKey(Buffer.from(key), partitions),
            checkpointMaxDeltas: 3,
          },
        }
      : {}),
  });
  return { pipeline, done: pipeline.run() };
}

/** Waits until the pipeline has taken in everything on the raw topic (and, two-stage, the enriched one). */
async function settled(topology: TopologyPlan, log: MemoryLog, pipeline: Pipeline, fused: boolean): Promise<void> {
  const t = topology.topics;
  const deadline = Date.now() + 60_000;
  for (;;) {
    // The map group's commit follows the stage-1 acknowledgement (two-stage) or the checkpoint
    // and the send of its outbox (fused): everything before it is on the topics.
    const rawDone = [t.raw, t.canonical].every((topic) =>
      log.endOffsets(topic).every((end, p) => Number(log.group(MAP).committed({ topic, partition: p }) ?? '0') === end),
    );
    let windowsDone = rawDone;
    if (rawDone && !fused) {
      const ends = log.endOffsets(t.enriched);
      const at = new Map(pipeline.windowStage.positions().map((x) => [x.partition, Number(x.nextOffset ?? '0')]));
      windowsDone = ends.every((end, p) => (at.get(p) ?? 0) === end);
    }
    if (windowsDone) return;
    if (Date.now() > deadline) throw new Error(`pipeline (fused: ${fused}) did not take in its input within 60 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Appends the chunks to the raw topic one after another; after each but the last, the fused run
 * may restart (a graceful stop and a new pipeline on the same log and store).
 */
export async function runPath(
  topology: TopologyPlan,
  chunks: readonly (readonly SinkRecord[])[],
  options: { fused: boolean; restarts?: boolean; partitions?: number; maxBatchRecords?: number },
): Promise<PathRun> {
  const partitions = options.partitions ?? 4;
  const log = new MemoryLog({ defaultPartitions: partitions });
  for (const topic of topicsOf(topology)) log.createTopic(topic, partitions);
  const store = new MemoryStateStore();
  const codecs = createLocalCodecs();
  let run = start(topology, log, store, codecs, options.fused, partitions, options.maxBatchRecords ?? 2000);
  for (let i = 0; i < chunks.length; i++) {
    log.append(chunks[i]!);
    await settled(topology, log, run.pipeline, options.fused);
    if (options.restarts === true && i < chunks.length - 1) {
      await run.pipeline.stop();
      await run.done;
      run = start(topology, log, store, codecs, options.fused, partitions, options.maxBatchRecords ?? 2000);
    }
  }
  const watermarks = run.pipeline.windowStage
    .watermarks()
    .sort((a, b) => a.partition - b.partition)
    .map((w) => w.watermarkMs);
  await run.pipeline.stop();
  await run.done;
  const t = topology.topics;
  await codecs.prepare(log.topicNames().flatMap((topic) => log.records(topic).map((r) => r.value)));
  const conflicts: string[] = [];
  const read = <T extends { revision: number }>(
    topics: readonly string[],
    codec: { decode(b: Buffer): { ok: true; value: T } | { ok: false; detail: string } },
  ): T[] => {
    const seen = new Map<string, Buffer>();
    return topics.flatMap((topic) =>
      log.records(topic).map((r) => {
        const d = codec.decode(r.value!);
        if (!d.ok) throw new Error(`${topic}: undecodable record: ${d.detail}`);
        const k = `${String(r.key)}@${d.value.revision}`;
        const before = seen.get(k);
        if (before === undefined) seen.set(k, r.value!);
        else if (!before.equals(r.value!)) conflicts.push(k);
        return d.value;
      }),
    );
  };
  const summaries = read<WindowSummary>([t.windowSummaries, t.shiftSummaries], codecs.summary);
  const orderSummaries = read<OrderSummary>([t.orderSummaries], codecs.orderSummary);
  const enrichedEvents = log.records(t.enriched).filter((r) => {
    const d = codecs.event.decode(r.value!);
    return d.ok && d.value.kind !== 'watermark';
  }).length;
  return { log, summaries, orderSummaries, conflicts, watermarks, enrichedEvents };
}
