// Order tagging through the real pipeline on the embedded log: the orders table read to its end
// before stage 1 starts, updates applied mid-run, bad records skipped, the load deadline, and
// tagging off (a canonical producer's tag is cleared).
import { describe, expect, it } from 'vitest';
import { OrdersTable, type OrderLine, type OrdersSnapshot } from '../../../src/core/orders.js';
import { computeWindowSummaries } from '../../../src/testkit/reference.js';
import { machineEvent, type MachineEvent, type RawSample, type WindowSummary } from '../../../src/core/types.js';
import { MapperStage } from '../../../src/engine/mapper-stage.js';
import { createPipeline, type Pipeline, type PipelineOrders } from '../../../src/engine/pipeline.js';
import { KafkaError } from '../../../src/errors.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import { MemoryEventSink, MemoryEventSource, MemoryLog, MemoryStateStore } from '../../../src/io/memory/index.js';
import { createNoopMetrics } from '../../../src/metrics/index.js';
import { silentLog } from '../../../src/ports/log.js';
import { createPlantSimulator } from '../../../src/sim/index.js';
import { loadTopology } from '../../../src/topology/index.js';
import { drained, windowed } from '../../support/embedded.js';
import { sampleKey } from '../../support/orders.js';
import { lastRevisions } from '../../support/run-core.js';

const topology = loadTopology('topologies/stamping-berlin.yaml');
const t = topology.topics;
const plan = topology.plant;
const ORDERS = topology.orders.topic;
const T = Date.UTC(2026, 5, 2, 4); // 06:00 Berlin, a Tuesday: the early shift starts
const H = 3_600_000;
const PARTITIONS = 4;

function wo(workOrderId: number, production: string, state: string, dateStartMs: number | null): OrderLine {
  return {
    workOrderId,
    name: `${production} op`,
    state,
    productionId: workOrderId + 1000,
    productionName: production,
    productId: 1,
    productName: 'Door inner',
    qtyProduction: 500,
    qtyProduced: 0,
    dateStartMs,
  };
}

function snapshot(workCenterId: string, workOrders: OrderLine[]): OrdersSnapshot {
  return { version: 1, plantId: plan.plantId, workCenterId, odooWorkcenterId: 1, atMs: T, workOrders };
}

/** As `orders sync` writes them: JSON, keyed by work center. */
function ordersRecords(
  snaps: readonly OrdersSnapshot[],
): { topic: string; key: string; value: Buffer; headers: Record<string, string> }[] {
  return snaps.map((s) => ({
    topic: ORDERS,
    key: s.workCenterId,
    value: Buffer.from(JSON.stringify(s)),
    headers: { 'content-type': 'application/json' },
  }));
}

interface Env {
  readonly log: MemoryLog;
  readonly codecs: ReturnType<typeof createLocalCodecs>;
  start(orders?: Partial<PipelineOrders>, tagging?: boolean): { pipeline: Pipeline; done: Promise<void> };
}

function env(): Env {
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
  return {
    log,
    codecs,
    start(orders = {}, tagging = true) {
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
        ...(tagging
          ? {
              orders: {
                topic: ORDERS,
                source: new MemoryEventSource(log, { groupId: 'test-orders', topics: [ORDERS] }),
                offsets: async () =>
                  log.endOffsets(ORDERS).map((high, partition) => ({ partition, low: '0', high: String(high) })),
                loadTimeoutMs: 10_000,
                tagging: true,
                stage2: false,
                attribution: false,
                ...orders,
              },
            }
          : {}),
      });
      return { pipeline, done: pipeline.run() };
    },
  };
}

async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function decodeAll<T>(
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

describe('order tagging on the embedded log', () => {
  it(
    'tags enriched events and summaries from the table as known when ' +
      'stage 1 maps them, updates included; bad records are skipped',
    async () => {
      const e = env();
      const { log, codecs } = e;
      // The table before the start: press-line-1 runs MO/A from T and MO/B from T+1h; press-02's
      // order is only released; press-03 runs MO/E; then two bad records for press-03 (its list must
      // survive them) and a snapshot for a work center outside the topology.
      const tableA = [
        snapshot('press-line-1', [
          wo(11, 'MO/A', 'progress', T),
          wo(12, 'MO/B', 'progress', T + H),
          wo(13, 'MO/X', 'ready', T),
        ]),
        snapshot('press-02', [wo(21, 'MO/C', 'ready', T)]),
        snapshot('press-03', [wo(31, 'MO/E', 'progress', T - H)]),
      ];
      log.append(ordersRecords(tableA));
      log.append([
        { topic: ORDERS, key: 'press-03', value: Buffer.from('{"version": 1, "plantId": '), headers: {} },
        {
          topic: ORDERS,
          key: 'press-03',
          value: Buffer.from(JSON.stringify({ ...tableA[2], version: 2, workOrders: [] })),
          headers: {},
        },
      ]);
      log.append(ordersRecords([snapshot('ghost-line', [wo(99, 'MO/Z', 'progress', T)])]));
      const samples = createPlantSimulator(plan, {
        seed: 5,
        startMs: T,
        lateShare: 0,
        badShare: 0.002,
        outOfOrderShare: 0.02,
      }).next(T + 3 * H);
      // In arrival order (some samples out of order): the first part ends where event time reaches
      // T+1.5h (bad samples with absurd timestamps aside).
      const cut = samples.findIndex((s) => s.tsMs >= T + 1.5 * H && s.tsMs <= T + 3 * H);
      const firstPart = samples.slice(0, cut);
      const secondPart = samples.slice(cut);
      log.append(firstPart.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));

      const { pipeline, done } = e.start();
      await drained(log, 'test-map', [t.raw]);
      const feed = pipeline.orders!;
      expect(feed.counts).toEqual({ applied: 3, tombstone: 0, ignored: 1, bad: 2 });

      // Mid-run: MO/B is done, MO/D starts at T+2h on press-line-1; press-02's MO/C is now in
      // progress from T+1h; press-03 is cleared (tombstone).
      const tableB = [
        snapshot('press-line-1', [wo(11, 'MO/A', 'progress', T), wo(14, 'MO/D', 'progress', T + 2 * H)]),
        snapshot('press-02', [wo(21, 'MO/C', 'progress', T + H)]),
      ];
      log.append([...ordersRecords(tableB), { topic: ORDERS, key: 'press-03', value: null }]);
      await until('table update applied', () => feed.counts.applied === 5 && feed.counts.tombstone === 1);
      log.append(secondPart.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
      await drained(log, 'test-map', [t.raw]);
      await windowed(log, pipeline, t.enriched);
      const watermarks = new Map(pipeline.windowStage.watermarks().map((w) => [w.partition, w.watermarkMs]));
      await pipeline.stop();
      await done;

      // What each sample's tag must be: the table of its part, at its own time.
      const expected = (s: RawSample, firstHalf: boolean): string | null => {
        const wc = plan.machines.get(plan.tags.get(s.tag)?.machineId ?? '')?.workCenterId;
        if (wc === 'press-line-1')
          return firstHalf
            ? s.tsMs >= T + H
              ? 'MO/B'
              : s.tsMs >= T
                ? 'MO/A'
                : null
            : s.tsMs >= T + 2 * H
              ? 'MO/D'
              : s.tsMs >= T
                ? 'MO/A'
                : null;
        if (wc === 'press-02') return firstHalf ? null : s.tsMs >= T + H ? 'MO/C' : null;
        if (wc === 'press-03') return firstHalf ? 'MO/E' : null;
        return null;
      };
      const orderOf = new Map<string, string | null>();
      for (const s of firstPart) if (!orderOf.has(sampleKey(s))) orderOf.set(sampleKey(s), expected(s, true));
      for (const s of secondPart) if (!orderOf.has(sampleKey(s))) orderOf.set(sampleKey(s), expected(s, false));

      await codecs.prepare(log.topicNames().flatMap((topic) => log.records(topic).map((r) => r.value)));
      const enriched = decodeAll<MachineEvent>(log, t.enriched, codecs.event).filter((x) => x.kind !== 'watermark');
      expect(enriched.length).toBeGreaterThan(1_000);
      const seen = new Set<string | undefined>();
      for (const x of enriched) {
        expect(x.runningOrder ?? null, `${x.tag}@${new Date(x.tsMs).toISOString()}`).toBe(orderOf.get(sampleKey(x)));
        if (x.runningOrder !== undefined)
          expect(x.runningWorkOrderId).toBe(
            { 'MO/A': 11, 'MO/B': 12, 'MO/C': 21, 'MO/D': 14, 'MO/E': 31 }[x.runningOrder],
          );
        seen.add(x.runningOrder);
      }
      expect([...seen].sort()).toEqual(['MO/A', 'MO/B', 'MO/C', 'MO/D', 'MO/E', undefined]);

      // Summaries: the reference over each partition's samples with the same tags.
      const got = lastRevisions([
        ...decodeAll<WindowSummary>(log, t.windowSummaries, codecs.summary),
        ...decodeAll<WindowSummary>(log, t.shiftSummaries, codecs.summary),
      ]);
      let compared = 0;
      for (let p = 0; p < PARTITIONS; p++) {
        const wcs = new Set(
          decodeAll<MachineEvent>(log, t.enriched, codecs.event, p)
            .filter((x) => x.kind !== 'watermark')
            .map((x) => x.workCenterId),
        );
        if (wcs.size === 0) continue;
        const mine = samples.filter((s) =>
          wcs.has(plan.machines.get(plan.tags.get(s.tag)?.machineId ?? '')?.workCenterId ?? ''),
        );
        const want = lastRevisions(
          computeWindowSummaries(mine, plan, {
            watermarkMs: watermarks.get(p)!,
            runningOrder: (x) => orderOf.get(sampleKey(x)) ?? null,
          }),
        );
        for (const [key, summary] of want) {
          expect(got.get(key), key).toEqual(summary);
          compared++;
        }
      }
      expect(compared).toBe(got.size);
      expect([...got.values()].every((s) => Array.isArray(s.orders))).toBe(true);
      const line1 = [...got.values()].filter((s) => s.workCenterId === 'press-line-1');
      expect([...new Set(line1.flatMap((s) => s.orders ?? []))].sort()).toEqual(['MO/A', 'MO/B', 'MO/D']);
      // Under the first table T+1h.. ran MO/B; after the update MO/B is gone: MO/A again, then MO/D.
      const quarter = (startMs: number): readonly string[] | undefined =>
        line1.find((s) => s.windowName === '15m' && s.startMs === startMs)?.orders;
      expect(quarter(T)).toEqual(['MO/A']);
      expect(quarter(T + H)).toEqual(['MO/B']);
      expect(quarter(T + 1.75 * H)).toEqual(['MO/A']);
      expect(quarter(T + 2 * H)).toEqual(['MO/D']);
    },
    60_000,
  );

  it('fails the start when the table is not read to its end in time, before stage 1 consumed anything', async () => {
    const e = env();
    e.log.append(ordersRecords([snapshot('press-02', [wo(21, 'MO/C', 'progress', T)])]));
    e.log.append([
      { topic: t.raw, key: 'x', value: e.codecs.raw.encode({ tag: 'x', tsMs: T, value: 1, quality: 'good' }) },
    ]);
    // The broker said the partitions end further on than they do (records not readable in time).
    const { done } = e.start({
      offsets: async () => [0, 1, 2, 3].map((partition) => ({ partition, low: '0', high: '99' })),
      loadTimeoutMs: 300,
    });
    const err = await done.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as Error).message).toMatch(
      /^orders topic shiftstream\.stamping-berlin\.orders: expected to read it to its end offsets within 300 ms \(topology orders\.loadTimeout\), found partition 0 at \d+ of 99, partition 1 at \d+ of 99/,
    );
    expect(e.log.records(t.enriched)).toEqual([]);
    expect(e.log.group('test-map').committed({ topic: t.raw, partition: 0 })).toBeUndefined();
  });

  it('a stop while the table loads ends run() quietly', async () => {
    const e = env();
    const { pipeline, done } = e.start({
      offsets: async () => [{ partition: 0, low: '0', high: '5' }],
      loadTimeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 50));
    await pipeline.stop();
    await expect(done).resolves.toBeUndefined();
  });

  it('tagging off: nothing tagged, no orders on summaries', async () => {
    const e = env();
    const { log, codecs } = e;
    log.append(ordersRecords([snapshot('press-02', [wo(21, 'MO/C', 'progress', T)])]));
    const samples = createPlantSimulator(plan, {
      seed: 9,
      startMs: T,
      lateShare: 0,
      badShare: 0,
      outOfOrderShare: 0.02,
    }).next(T + H);
    log.append(samples.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
    const { pipeline, done } = e.start({}, false);
    expect(pipeline.orders).toBeUndefined();
    await drained(log, 'test-map', [t.raw]);
    await windowed(log, pipeline, t.enriched);
    await pipeline.stop();
    await done;
    await codecs.prepare(log.topicNames().flatMap((topic) => log.records(topic).map((r) => r.value)));
    const enriched = decodeAll<MachineEvent>(log, t.enriched, codecs.event).filter((x) => x.kind !== 'watermark');
    expect(enriched.length).toBeGreaterThan(100);
    expect(enriched.filter((x) => x.runningOrder !== undefined || x.runningWorkOrderId !== undefined)).toEqual([]);
    const summaries = decodeAll<WindowSummary>(log, t.windowSummaries, codecs.summary);
    expect(summaries.length).toBeGreaterThan(10);
    expect(summaries.filter((x) => 'orders' in x)).toEqual([]);
  }, 60_000);
});

describe('stage 1 owns the tag', () => {
  const press02 = [...plan.machines.values()].find((m) => m.workCenterId === 'press-02')!;
  const stateTag = [...plan.tags.values()].find((x) => x.machineId === press02.machineId && x.kind === 'state')!;
  const forged = machineEvent(
    {
      plantId: plan.plantId,
      machineId: press02.machineId,
      workCenterId: 'press-02',
      tag: stateTag.tag,
      tsMs: T + 5_000,
      kind: 'state',
      value: 1,
    },
    { category: 'running', runningOrder: 'MO/forged', runningWorkOrderId: 7 },
  );

  async function mapCanonical(orders: OrdersTable | undefined): Promise<MachineEvent> {
    const log = new MemoryLog({ defaultPartitions: 1 });
    const codecs = createLocalCodecs();
    const stage = new MapperStage({
      topology,
      codecs,
      sink: new MemoryEventSink(log),
      clock: { nowMs: () => T },
      live: false,
      enrichedPartitions: 1,
      sourcePartitions: 1,
      metrics: createNoopMetrics(),
      log: silentLog,
      ...(orders === undefined ? {} : { orders }),
    });
    const value = codecs.event.encode(forged);
    await stage.handle({
      topic: t.canonical,
      partition: 0,
      records: [{ topic: t.canonical, partition: 0, offset: '0', key: null, value, timestampMs: T }],
    });
    await codecs.prepare(log.records(t.enriched).map((r) => r.value));
    const out = decodeAll<MachineEvent>(log, t.enriched, codecs.event).filter((x) => x.kind !== 'watermark');
    expect(out.length).toBe(1);
    return out[0]!;
  }

  it("replaces a canonical producer's tag with the table's, or clears it when tagging is off", async () => {
    const table = new OrdersTable();
    table.apply(snapshot('press-02', [wo(21, 'MO/C', 'progress', T)]));
    expect(await mapCanonical(table)).toEqual({ ...forged, runningOrder: 'MO/C', runningWorkOrderId: 21 });
    const empty = new OrdersTable();
    expect(await mapCanonical(empty)).toEqual({ ...forged, runningOrder: undefined, runningWorkOrderId: undefined });
    expect(await mapCanonical(undefined)).toEqual({
      ...forged,
      runningOrder: undefined,
      runningWorkOrderId: undefined,
    });
  });
});
