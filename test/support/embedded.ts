// Runs the real pipeline over the embedded log (no servers), for engine tests.
import { createPipeline, type Pipeline } from '../../src/engine/pipeline.js';
import { createLocalCodecs } from '../../src/io/avro/codecs.js';
import { MemoryEventSink, MemoryEventSource, MemoryLog, MemoryStateStore } from '../../src/io/memory/index.js';
import { createNoopMetrics } from '../../src/metrics/index.js';
import type { Clock } from '../../src/ports/clock.js';
import { silentLog } from '../../src/ports/log.js';
import type { TopologyPlan } from '../../src/topology/types.js';

export interface Embedded {
  readonly log: MemoryLog;
  readonly store: MemoryStateStore;
  readonly codecs: ReturnType<typeof createLocalCodecs>;
  start(): { pipeline: Pipeline; done: Promise<void> };
}

export function embedded(topology: TopologyPlan, partitions = 4, clock: Clock = { nowMs: () => Date.now() }): Embedded {
  const log = new MemoryLog({ defaultPartitions: partitions });
  const t = topology.topics;
  for (const topic of [
    t.raw,
    t.canonical,
    t.enriched,
    t.milestones,
    t.windowSummaries,
    t.shiftSummaries,
    t.rejected,
    t.late,
  ])
    log.createTopic(topic, partitions);
  const store = new MemoryStateStore();
  const codecs = createLocalCodecs();
  return {
    log,
    store,
    codecs,
    start() {
      const pipeline = createPipeline({
        topology,
        codecs,
        mapperSource: new MemoryEventSource(log, { groupId: 'test-map', topics: [t.raw, t.canonical] }),
        windowSource: new MemoryEventSource(log, { groupId: 'test-window', topics: [t.enriched] }),
        windowGroupId: 'test-window',
        sink: new MemoryEventSink(log),
        store,
        clock,
        metrics: createNoopMetrics(),
        log: silentLog,
        live: false,
        checkpointIntervalMs: 2_000,
        enrichedPartitions: partitions,
        sourcePartitions: partitions,
      });
      return { pipeline, done: pipeline.run() };
    },
  };
}

/** Resolves once every record of the topics has been consumed and committed by the group. */
export async function drained(
  log: MemoryLog,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let behind = 0;
    for (const topic of topics) {
      log.endOffsets(topic).forEach((end, partition) => {
        const committed = Number(log.group(groupId).committed({ topic, partition }) ?? '0');
        behind += end - committed;
      });
    }
    if (behind === 0) return;
    if (Date.now() > deadline)
      throw new Error(`group ${groupId} still ${behind} records behind on ${topics.join(', ')} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves once the window stage has processed every record of the enriched topic. */
export async function windowed(log: MemoryLog, pipeline: Pipeline, topic: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pos = new Map(pipeline.windowStage.positions().map((p) => [p.partition, Number(p.nextOffset ?? '0')]));
    const behind = log.endOffsets(topic).reduce((acc, end, partition) => acc + end - (pos.get(partition) ?? 0), 0);
    if (behind === 0) return;
    if (Date.now() > deadline)
      throw new Error(`window stage still ${behind} records behind on ${topic} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
