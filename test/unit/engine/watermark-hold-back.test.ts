// `run` says which input partitions hold an event-time watermark back, and why (issue 11): with a
// raw partition that never got a record, every window waits; that must be impossible to miss.
import { describe, expect, it } from 'vitest';
import { AlignedWatermark } from '../../../src/core/watermarks.js';
import { WindowStage } from '../../../src/engine/window-stage.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import { MemoryEventSink, MemoryLog, MemoryStateStore } from '../../../src/io/memory/index.js';
import { createNoopMetrics } from '../../../src/metrics/index.js';
import type { Log } from '../../../src/ports/log.js';
import { loadTopology } from '../../../src/topology/index.js';

const topology = loadTopology('topologies/stamping-berlin.yaml');
const t = topology.topics;
const T0 = Date.UTC(2026, 2, 2, 8);

function capturingLog(): Log & { warns: { obj: Record<string, unknown>; msg: string }[] } {
  const warns: { obj: Record<string, unknown>; msg: string }[] = [];
  return {
    warns,
    info: () => undefined,
    debug: () => undefined,
    error: () => undefined,
    warn: (obj, msg) => warns.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }),
  };
}

function setup(live: boolean) {
  const memory = new MemoryLog({ defaultPartitions: 4 });
  for (const topic of Object.values(t)) memory.createTopic(topic, 4);
  let now = T0 + 3_600_000;
  const clock = { nowMs: () => now };
  const log = capturingLog();
  const codecs = createLocalCodecs();
  const stage = new WindowStage({
    topology,
    codecs,
    sink: new MemoryEventSink(memory),
    store: new MemoryStateStore(),
    clock,
    metrics: createNoopMetrics(),
    log,
    groupId: 'test-window',
    checkpointIntervalMs: 3_600_000,
    live,
  });
  const marker = (source: string, tsMs: number, offset: number) => ({
    topic: t.enriched,
    partition: 0,
    offset: String(offset),
    key: null,
    timestampMs: now,
    value: codecs.event.encode({
      plantId: topology.plant.plantId,
      machineId: '',
      workCenterId: '',
      tag: source,
      tsMs,
      kind: 'watermark',
      value: 0,
      amount: 4,
    }),
  });
  return { stage, log, marker, advance: (ms: number) => (now += ms) };
}

describe('watermark hold-back report', () => {
  it('names the raw partition that sent nothing, once the hold-back lasted a minute, then each minute', async () => {
    const { stage, log, marker, advance } = setup(false);
    await stage.onAssign([{ topic: t.enriched, partition: 0 }]);
    // Raw partitions 0..2 report progress; 3 is silent (17 tags keyed over 4 partitions).
    await stage.handle({
      topic: t.enriched,
      partition: 0,
      records: [marker(`${t.raw}/0`, T0, 0), marker(`${t.raw}/1`, T0, 1), marker(`${t.raw}/2`, T0, 2)],
    });
    await stage.tick();
    advance(59_000);
    await stage.tick();
    expect(log.warns).toEqual([]); // held back for less than a minute: not yet
    advance(1_000);
    await stage.tick();
    expect(log.warns).toHaveLength(1);
    expect(log.warns[0]!.msg).toBe(
      `event-time watermark of ${t.enriched}/0 held back by partition 3 of ${t.raw}: no record yet`,
    );
    expect(log.warns[0]!.obj).toMatchObject({
      input: `${t.enriched}/0`,
      watermarkMs: null,
      heldForMs: 60_000,
      holdBack: [{ reason: 'no-record', source: `${t.raw}/3` }],
    });
    advance(30_000);
    await stage.tick();
    expect(log.warns).toHaveLength(1);
    advance(30_000);
    await stage.tick();
    expect(log.warns).toHaveLength(2);
    expect(log.warns[1]!.obj['heldForMs']).toBe(120_000);

    // Partition 3 reports, far behind the others: now it is named as behind, with by how much.
    await stage.handle({
      topic: t.enriched,
      partition: 0,
      records: [marker(`${t.raw}/0`, T0 + 600_000, 3), marker(`${t.raw}/3`, T0 + 120_000, 4)],
    });
    advance(60_000);
    await stage.tick();
    expect(log.warns).toHaveLength(3);
    expect(log.warns[2]!.msg).toContain(
      `partition 1 of ${t.raw}: behind by 600 s (its highest ts ${new Date(T0).toISOString()})`,
    );
    expect(log.warns[2]!.msg).toContain(`partition 3 of ${t.raw}: behind by 480 s`);
    expect(log.warns[2]!.msg).not.toContain(`partition 0 of`);

    // All caught up (within the out-of-orderness bound): nothing more is logged.
    await stage.handle({
      topic: t.enriched,
      partition: 0,
      records: [1, 2, 3].map((n, i) => marker(`${t.raw}/${n}`, T0 + 600_000, 5 + i)),
    });
    advance(120_000);
    await stage.tick();
    expect(log.warns).toHaveLength(3);
  });

  it('core: holdBack is pure and leaves out what live idleness already ignores', () => {
    const w = new AlignedWatermark(5_000, 30_000);
    w.observe('raw/0', T0, 2, 1_000);
    expect(w.holdBack()).toEqual([{ reason: 'no-record', source: 'raw/1' }]);
    expect(w.holdBack(1_000 + 29_999)).toEqual([{ reason: 'no-record', source: 'raw/1' }]);
    // Live: after the idle timeout the missing source no longer holds the watermark back.
    expect(w.holdBack(1_000 + 30_000)).toEqual([]);
    w.observe('raw/1', T0 + 5_000, 2, 2_000);
    expect(w.holdBack()).toEqual([]); // 5 s apart: within the bound
    w.observe('raw/1', T0 + 5_001, 2, 2_000);
    expect(w.holdBack()).toEqual([{ reason: 'behind', source: 'raw/0', behindMs: 5_001, maxTsMs: T0 }]);
    expect(w.current()).toBe(T0 - 5_000);
  });
});
