// Stage 1 hands a partition's next batch over while the previous batch's bulk send is still
// unacknowledged (issue 12, the critical lane): the next batch's milestones leave at once. The
// input offset of a batch is committed only once its sends, and every earlier batch's, are
// acknowledged; a failed bulk send fails the pipeline and no later offset is committed over it.
// The real pipeline over the embedded log, a bulk sink whose sends can be held or failed.
import { describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import { createPipeline } from '../../../src/engine/pipeline.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import { MemoryEventSink, MemoryEventSource, MemoryLog, MemoryStateStore } from '../../../src/io/memory/index.js';
import { createNoopMetrics } from '../../../src/metrics/index.js';
import type { EventSink, SinkRecord } from '../../../src/ports/event-sink.js';
import { silentLog } from '../../../src/ports/log.js';
import { loadTopology } from '../../../src/topology/index.js';

const topology = loadTopology('topologies/stamping-berlin.yaml');
const t = topology.topics;
const T = Date.UTC(2026, 5, 2, 4);
const BATCH = 50;

/** A bulk sink whose sends of enriched records wait for `release()` (or fail with `fail()`). */
function heldSink(log: MemoryLog): EventSink & { release(): void; fail(err: Error): void; held: number } {
  const inner = new MemoryEventSink(log);
  let gate: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | undefined;
  const open = (): void => {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined);
    gate = { promise, resolve, reject };
  };
  open();
  const sink = {
    held: 0,
    async send(records: readonly SinkRecord[]) {
      if (gate !== undefined && records.some((r) => r.topic === t.enriched)) {
        sink.held++;
        await gate.promise;
      }
      await inner.send(records);
    },
    close: () => inner.close(),
    release() {
      const g = gate;
      gate = undefined;
      g?.resolve();
    },
    fail(err: Error) {
      gate?.reject(err);
    },
  };
  return sink;
}

function setUp() {
  const log = new MemoryLog({ defaultPartitions: 1 });
  for (const topic of Object.values(t)) if (typeof topic === 'string') log.createTopic(topic, 1);
  const codecs = createLocalCodecs();
  const tag = [...topology.plant.tags.values()].find((x) => x.kind === 'milestone')!.tag;
  // Every sample is a milestone (a new order reference each time): 3 batches of BATCH records.
  const samples: RawSample[] = Array.from({ length: 3 * BATCH }, (_, i) => ({
    tag,
    tsMs: T + i * 1000,
    value: `MO/${i}`,
    quality: 'good',
  }));
  const raw: SinkRecord[] = samples.map((s) => ({
    topic: t.raw,
    partition: 0,
    key: s.tag,
    value: codecs.raw.encode(s),
  }));
  const critical = new MemoryEventSink(log);
  const bulk = heldSink(log);
  const pipeline = createPipeline({
    topology,
    codecs,
    mapperSource: new MemoryEventSource(log, {
      groupId: 'test-map',
      topics: [t.raw, t.canonical],
      maxBatchRecords: BATCH,
    }),
    windowSource: new MemoryEventSource(log, { groupId: 'test-window', topics: [t.enriched] }),
    windowGroupId: 'test-window',
    sink: bulk,
    criticalSink: critical,
    store: new MemoryStateStore(),
    clock: { nowMs: () => Date.now() },
    metrics: createNoopMetrics(),
    log: silentLog,
    live: false,
    checkpointIntervalMs: 2_000,
    commitIntervalMs: 0,
    tickIntervalMs: 10,
    enrichedPartitions: 1,
    sourcePartitions: 1,
  });
  const committed = (): number => Number(log.group('test-map').committed({ topic: t.raw, partition: 0 }) ?? '0');
  return { log, codecs, raw, bulk, pipeline, committed };
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('stage 1: the next batch is mapped while the previous bulk send is in flight', () => {
  it("sends the second batch's milestones before the first batch's bulk send is acknowledged", async () => {
    const s = setUp();
    s.log.append(s.raw);
    const done = s.pipeline.run();
    // Batch 1's bulk send is held; batch 2 is handed over meanwhile and its milestones leave.
    await until('two batches of milestones', () => s.log.records(t.milestones).length >= 2 * BATCH);
    expect(s.bulk.held).toBe(2);
    expect(s.log.records(t.enriched)).toEqual([]);
    // Batch 3 waits for batch 1's acknowledgement (at most one batch's sends outstanding behind).
    await new Promise((r) => setTimeout(r, 50));
    expect(s.log.records(t.milestones).length).toBe(2 * BATCH);
    // Nothing is acknowledged, so nothing is committed.
    expect(s.committed()).toBe(0);
    s.bulk.release();
    await until('every offset committed', () => s.committed() === 3 * BATCH);
    expect(s.log.records(t.milestones).length).toBe(3 * BATCH);
    // The enriched topic holds every event in input order (one marker after each batch).
    const enriched = s.log.records(t.enriched).map((r) => {
      const d = s.codecs.event.decode(r.value!);
      if (!d.ok) throw new Error(d.detail);
      return d.value;
    });
    const ts = enriched.filter((e) => e.kind !== 'watermark').map((e) => e.tsMs);
    expect(ts).toEqual(s.raw.map((_, i) => T + i * 1000));
    await s.pipeline.stop();
    await done;
  });

  it('a failed bulk send fails the pipeline and commits no later offset over it', async () => {
    const s = setUp();
    s.log.append(s.raw);
    const done = s.pipeline.run();
    await until('two batches of milestones', () => s.log.records(t.milestones).length >= 2 * BATCH);
    s.bulk.fail(new Error('broker said no'));
    await expect(done).rejects.toThrow('broker said no');
    expect(s.committed()).toBe(0);
  });
});
