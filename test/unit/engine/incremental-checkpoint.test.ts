// Incremental checkpoints in the window stage (issue 12 item 2, docs/architecture.md "Checkpoints"):
// a base, then deltas appended with their offsets, a new base after `checkpointMaxDeltas`; a stage
// restored from base + deltas resumes at the last delta's offset and goes on exactly as the one
// that wrote them; a writer whose chain was extended by another writes a whole base instead.
import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import type { MachineEvent } from '../../../src/core/types.js';
import { WindowStage } from '../../../src/engine/window-stage.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import { MemoryEventSink, MemoryLog, MemoryStateStore } from '../../../src/io/memory/index.js';
import { createNoopMetrics } from '../../../src/metrics/index.js';
import type { Metrics } from '../../../src/metrics/metrics.js';
import type { SourceBatch } from '../../../src/ports/event-source.js';
import { createPlantSimulator } from '../../../src/sim/index.js';
import { loadTopology } from '../../../src/topology/index.js';

const topology = loadTopology('topologies/stamping-berlin.yaml');
const plan = topology.plant;
const t = topology.topics;
const codecs = createLocalCodecs();
const tp = { topic: t.enriched, partition: 0 };
const RAW_PARTITIONS = 4;

/** Enriched records of the simulator's samples, in batches, each followed by a watermark marker per raw partition. */
function batches(count: number, size: number, firstSize = size): SourceBatch[] {
  const sim = createPlantSimulator(plan, { seed: 11, startMs: Date.UTC(2026, 5, 2, 4) });
  const out: SourceBatch[] = [];
  let offset = 0;
  for (let b = 0; b < count; b++) {
    const events: MachineEvent[] = sim.nextCount(b === 0 ? firstSize : size).flatMap((s) => {
      const v = mapSample(plan, s);
      return v.ok ? [v.event] : [];
    });
    const maxTs = Math.max(...events.map((e) => e.tsMs));
    const markers: MachineEvent[] = Array.from({ length: RAW_PARTITIONS }, (_, p) => ({
      plantId: plan.plantId,
      machineId: '',
      workCenterId: '',
      tag: `${t.raw}/${p}`,
      tsMs: maxTs,
      kind: 'watermark',
      value: 0,
      amount: RAW_PARTITIONS,
    }));
    const records = [...events, ...markers].map((e) => ({
      ...tp,
      offset: String(offset++),
      key: null,
      timestampMs: 0,
      value: codecs.event.encode(e),
    }));
    out.push({ ...tp, records });
  }
  return out;
}

function counting(): Metrics & { counts: Map<string, number> } {
  const base = createNoopMetrics();
  const counts = new Map<string, number>();
  return {
    ...base,
    counts,
    inc: (name: string, labels: Record<string, string> = {}, by = 1) => {
      const k = `${name}${JSON.stringify(labels)}`;
      counts.set(k, (counts.get(k) ?? 0) + by);
    },
  };
}

function stage(store: MemoryStateStore, memory: MemoryLog, metrics: Metrics = createNoopMetrics()): WindowStage {
  return new WindowStage({
    topology,
    codecs,
    sink: new MemoryEventSink(memory),
    store,
    clock: { nowMs: () => 0 },
    metrics,
    log: { info: () => undefined, debug: () => undefined, warn: () => undefined, error: () => undefined },
    groupId: 'g',
    checkpointIntervalMs: 0,
    checkpointMaxDeltas: 3,
    live: false,
  });
}

function newLog(): MemoryLog {
  const memory = new MemoryLog({ defaultPartitions: 1 });
  for (const topic of Object.values(t)) memory.createTopic(topic, 1);
  return memory;
}

/** Every record the sink wrote, per output topic, as key and value bytes. */
function written(memory: MemoryLog): string[][] {
  return Object.values(t)
    .filter((topic) => topic !== t.enriched)
    .map((topic) => memory.records(topic).map((r) => `${String(r.key)} ${r.value?.toString('base64') ?? ''}`));
}

describe('window stage: incremental checkpoints', () => {
  it('base, deltas, a base after checkpointMaxDeltas; base + deltas resume exactly where the writer was', async () => {
    // A large first batch, so that each later batch's delta is a fraction of the state.
    const all = batches(12, 200, 3000);
    const store = new MemoryStateStore();
    const key = 'g/' + tp.topic + '/0';
    const writerLog = newLog();
    const writer = stage(store, writerLog);
    await writer.onAssign([tp]);
    const seen: number[] = [];
    for (let b = 0; b < 8; b++) {
      await writer.handle(all[b]!);
      const chain = (await store.loadChain(key))!;
      seen.push(chain.deltas.length);
      const last = chain.deltas[chain.deltas.length - 1] ?? chain.base;
      expect(last.offset).toBe(String(Number(all[b]!.records.at(-1)!.offset) + 1));
      if (chain.deltas.length > 0) expect(last.snapshot.length).toBeLessThan(chain.base.snapshot.length);
    }
    // A base, three deltas, a base, three deltas, a base.
    expect(seen).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);

    // A second process restores base + 3 deltas: both go on with the same input, same output.
    const readerLog = newLog();
    const reader = stage(new MemoryStateStore(), readerLog);
    const copy = (await store.loadChain(key))!;
    const readerStore = (reader as unknown as { o: { store: MemoryStateStore } }).o.store;
    let token = await readerStore.saveBase(key, copy.base);
    for (const d of copy.deltas) token = (await readerStore.append(key, d, token))!;
    const resume = await reader.onAssign([tp]);
    expect([...resume.values()]).toEqual([copy.deltas.at(-1)!.offset]);
    const before = written(writerLog).map((records) => records.length);
    for (let b = 8; b < all.length; b++) {
      await writer.handle(all[b]!);
      await reader.handle(all[b]!);
    }
    // What the writer emitted after batch 8 is what the restored reader emitted, byte for byte.
    const writerTail = written(writerLog).map((records, i) => records.slice(before[i]));
    expect(writerTail.flat().length).toBeGreaterThan(0);
    expect(written(readerLog)).toEqual(writerTail);
  });

  it('a writer whose chain another process extended writes a whole base, never a delta on top', async () => {
    const all = batches(4, 300);
    const store = new MemoryStateStore();
    const key = 'g/' + tp.topic + '/0';
    const metrics = counting();
    const old = stage(store, newLog(), metrics);
    await old.onAssign([tp]);
    await old.handle(all[0]!);
    // The new owner restores the same chain and checkpoints first.
    const owner = stage(store, newLog());
    await owner.onAssign([tp]);
    await owner.handle(all[1]!);
    expect((await store.loadChain(key))!.deltas.map((d) => d.offset)).toEqual([
      String(Number(all[1]!.records.at(-1)!.offset) + 1),
    ]);
    // The old owner's delta would extend a chain that is no longer there: it writes a base.
    await old.handle(all[1]!);
    const chain = (await store.loadChain(key))!;
    expect(chain.deltas).toEqual([]);
    expect(chain.base.offset).toBe(String(Number(all[1]!.records.at(-1)!.offset) + 1));
    expect(metrics.counts.get('shiftstream_checkpoints_total{"outcome":"chain_replaced"}')).toBe(1);
  });
});
