// Planned maintenance through the real pipeline on the embedded log (docs/semantics.md section 12):
// stage 2 takes the orders snapshots' plannedMaintenance; one known at the start shapes the first
// revisions, one published after the windows closed amends them (new revisions), and the last
// revisions equal the batch reference over all samples and the latest snapshot, per partition.
import { describe, expect, it } from 'vitest';
import type { OrdersSnapshot } from '../../../src/core/orders.js';
import type { PlannedStop } from '../../../src/core/planned-maintenance.js';
import type { MachineEvent, WindowSummary } from '../../../src/core/types.js';
import { createPipeline } from '../../../src/engine/pipeline.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import { MemoryEventSink, MemoryEventSource, MemoryLog, MemoryStateStore } from '../../../src/io/memory/index.js';
import { createNoopMetrics } from '../../../src/metrics/index.js';
import { silentLog } from '../../../src/ports/log.js';
import { createPlantSimulator } from '../../../src/sim/index.js';
import { computeWindowSummaries } from '../../../src/testkit/reference.js';
import { loadTopology } from '../../../src/topology/index.js';
import { drained, windowed } from '../../support/embedded.js';
import { withoutNullOrderKeys } from '../../support/attribution.js';
import { lastRevisions } from '../../support/run-core.js';

const topology = loadTopology('topologies/stamping-berlin.yaml');
const t = topology.topics;
const plan = topology.plant;
const ORDERS = topology.orders.topic;
const T = Date.UTC(2026, 5, 2, 4); // 06:00 Berlin, a Tuesday
const H = 3_600_000;
const PARTITIONS = 4;

const snap = (workCenterId: string, atMs: number, planned: PlannedStop[]): OrdersSnapshot => ({
  version: 1,
  plantId: plan.plantId,
  workCenterId,
  odooWorkcenterId: 1,
  atMs,
  workOrders: [],
  plannedMaintenance: planned,
});

const records = (snaps: readonly OrdersSnapshot[]) =>
  snaps.map((s) => ({ topic: ORDERS, key: s.workCenterId, value: Buffer.from(JSON.stringify(s)), headers: {} }));

function decode<T>(
  log: MemoryLog,
  topic: string,
  codec: { decode(b: Buffer): { ok: true; value: T } | { ok: false; detail: string } },
  partition?: number,
): T[] {
  return log.records(topic, partition).map((r) => {
    const d = codec.decode(r.value!);
    if (!d.ok) throw new Error(d.detail);
    return d.value;
  });
}

describe('planned maintenance on the embedded log', () => {
  it('a snapshot at the start and one after the windows closed: last revisions equal the reference', async () => {
    const log = new MemoryLog({ defaultPartitions: PARTITIONS });
    for (const topic of [
      t.raw,
      t.canonical,
      t.enriched,
      t.milestones,
      t.windowSummaries,
      t.shiftSummaries,
      t.rejected,
      t.late,
      ORDERS,
    ])
      log.createTopic(topic, PARTITIONS);
    const codecs = createLocalCodecs();
    // press-line-1 has maintenance 07:00-08:30 local from the start; press-02 gets one later.
    const line1: PlannedStop[] = [{ requestId: 7, name: 'PM/7', startMs: T + H, endMs: T + 2.5 * H }];
    log.append(records([snap('press-line-1', T, line1)]));
    const samples = createPlantSimulator(plan, {
      seed: 9,
      startMs: T,
      lateShare: 0,
      badShare: 0,
      outOfOrderShare: 0.01,
    }).next(T + 10 * H);
    log.append(samples.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
    const pipeline = createPipeline({
      topology,
      codecs,
      mapperSource: new MemoryEventSource(log, { groupId: 'test-map', topics: [t.raw, t.canonical] }),
      windowSource: new MemoryEventSource(log, { groupId: 'test-window', topics: [t.enriched] }),
      windowGroupId: 'test-window',
      sink: new MemoryEventSink(log),
      store: new MemoryStateStore(),
      clock: { nowMs: () => Date.now() },
      metrics: createNoopMetrics(),
      log: silentLog,
      live: false,
      checkpointIntervalMs: 2_000,
      enrichedPartitions: PARTITIONS,
      sourcePartitions: PARTITIONS,
      orders: {
        topic: ORDERS,
        source: new MemoryEventSource(log, { groupId: 'test-orders', topics: [ORDERS] }),
        offsets: async () =>
          log.endOffsets(ORDERS).map((high, partition) => ({ partition, low: '0', high: String(high) })),
        loadTimeoutMs: 10_000,
        tagging: false,
        stage2: true,
        attribution: false,
      },
    });
    const done = pipeline.run();
    await drained(log, 'test-map', [t.raw]);
    await windowed(log, pipeline, t.enriched);
    await codecs.prepare(log.topicNames().flatMap((topic) => log.records(topic).map((r) => r.value)));
    const before = decode<WindowSummary>(log, t.shiftSummaries, codecs.summary).length;
    // Published late: press-02's maintenance 06:30-07:15 (its early shift is closed by now).
    const press02: PlannedStop[] = [{ requestId: 9, name: 'PM/9', startMs: T + 0.5 * H, endMs: T + 1.25 * H }];
    log.append(records([snap('press-02', T + 1, press02)]));
    const deadline = Date.now() + 20_000;
    while (decode<WindowSummary>(log, t.shiftSummaries, codecs.summary).length === before) {
      if (Date.now() > deadline) throw new Error('no amendment within 20 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 200));
    const watermarks = new Map(pipeline.windowStage.watermarks().map((w) => [w.partition, w.watermarkMs]));
    await pipeline.stop();
    await done;

    const shifts = decode<WindowSummary>(log, t.shiftSummaries, codecs.summary);
    const amended = shifts.filter((s) => s.workCenterId === 'press-02' && s.revision > 1);
    expect(amended.length).toBeGreaterThan(0);
    const got = lastRevisions([...decode<WindowSummary>(log, t.windowSummaries, codecs.summary), ...shifts]);
    const planned = new Map([
      ['press-line-1', line1],
      ['press-02', press02],
    ]);
    let compared = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const wcs = new Set(
        decode<MachineEvent>(log, t.enriched, codecs.event, p)
          .filter((x) => x.kind !== 'watermark')
          .map((x) => x.workCenterId),
      );
      if (wcs.size === 0) continue;
      const mine = samples.filter((s) =>
        wcs.has(plan.machines.get(plan.tags.get(s.tag)?.machineId ?? '')?.workCenterId ?? ''),
      );
      for (const [key, want] of lastRevisions(
        computeWindowSummaries(mine, plan, { watermarkMs: watermarks.get(p)!, planned }),
      )) {
        // Attribution is on (the topology has order tags): no-order intervals lose their null keys in Avro.
        expect(withoutNullOrderKeys(got.get(key)), key).toEqual(withoutNullOrderKeys(want));
        compared++;
      }
    }
    expect(compared).toBe(got.size);
    const early = (wc: string) =>
      [...got.values()].find((s) => s.workCenterId === wc && s.windowId === '2026-06-02/early')!;
    for (const wc of ['press-line-1', 'press-02']) {
      const pm = early(wc).intervals.filter((i) => i.reason === 'planned-maintenance');
      expect(pm.length, wc).toBeGreaterThan(0);
      expect(pm.every((i) => i.category === 'planned_stop')).toBe(true);
    }
  }, 300_000); // 155 s once in a full run on Node 24 beside other jobs (load 12)
});
