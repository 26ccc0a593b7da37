// Stage 1's critical lane (issue 12): milestones are found in a pre-pass over the batch and sent
// on the critical lane's own sink before any enriched event of the batch is encoded, never in the
// bulk send; without a critical sink they go to the one sink as before. Real codecs, real
// simulator samples of the shipped Berlin plant, the in-memory log.
import { describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import { MapperStage } from '../../../src/engine/mapper-stage.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import { MemoryEventSink, MemoryLog } from '../../../src/io/memory/index.js';
import { createNoopMetrics } from '../../../src/metrics/index.js';
import type { Codecs } from '../../../src/ports/codecs.js';
import type { EventSink, SinkRecord } from '../../../src/ports/event-sink.js';
import type { SourceRecord } from '../../../src/ports/event-source.js';
import { silentLog } from '../../../src/ports/log.js';
import { createPlantSimulator } from '../../../src/sim/index.js';
import { loadTopology } from '../../../src/topology/index.js';

const topology = loadTopology('topologies/stamping-berlin.yaml');
const t = topology.topics;
const plan = topology.plant;
const T = Date.UTC(2026, 5, 2, 4);

/** A sink that writes to the memory log and notes each send in `order`. */
function recording(name: string, log: MemoryLog, order: string[], sent: SinkRecord[][]): EventSink {
  const inner = new MemoryEventSink(log);
  return {
    send(records) {
      order.push(`${name}.send(${records.length})`);
      sent.push([...records]);
      return inner.send(records);
    },
    close: () => inner.close(),
  };
}

/** The codecs with the enriched encoder noted in `order` (once per run of consecutive calls). */
function noting(codecs: Codecs, order: string[]): Codecs {
  const encode = codecs.event.encode.bind(codecs.event);
  return {
    ...codecs,
    event: {
      ...codecs.event,
      encode: (e) => {
        if (order.at(-1) !== 'encode(enriched)') order.push('encode(enriched)');
        return encode(e);
      },
    },
  };
}

function batchOf(codecs: Codecs, samples: readonly RawSample[]): SourceRecord[] {
  return samples.map((s, i) => ({
    topic: t.raw,
    partition: 0,
    offset: String(i),
    key: Buffer.from(s.tag),
    value: codecs.raw.encode(s),
    timestampMs: T,
  }));
}

function samples(): RawSample[] {
  const sim = createPlantSimulator(plan, { seed: 11, startMs: T, lateShare: 0, badShare: 0 });
  const out = sim.nextCount(3000);
  // A milestone as the very last record of the batch: the pre-pass must still send it first.
  const tag = [...plan.tags.values()].find((x) => x.kind === 'milestone')!.tag;
  out.push({ tag, tsMs: (out.at(-1)?.tsMs ?? T) + 1, value: 'MO/LAST', quality: 'good' });
  return out;
}

async function run(withCritical: boolean) {
  const log = new MemoryLog({ defaultPartitions: 4 });
  const order: string[] = [];
  const bulkSent: SinkRecord[][] = [];
  const criticalSent: SinkRecord[][] = [];
  const base = createLocalCodecs();
  const codecs = noting(base, order);
  const input = samples();
  const records = batchOf(base, input);
  await base.prepare(records.slice(0, 1).map((r) => r.value));
  const stage = new MapperStage({
    topology,
    codecs,
    sink: recording('bulk', log, order, bulkSent),
    ...(withCritical ? { criticalSink: recording('critical', log, order, criticalSent) } : {}),
    clock: { nowMs: () => T },
    live: false,
    enrichedPartitions: 4,
    sourcePartitions: 1,
    metrics: createNoopMetrics(),
    log: silentLog,
  });
  await stage.handle({ topic: t.raw, partition: 0, records });
  await base.prepare(log.records(t.milestones).map((r) => r.value));
  const milestones = log.records(t.milestones).map((r) => {
    const d = base.milestone.decode(r.value!);
    if (!d.ok) throw new Error(d.detail);
    return d.value;
  });
  return { order, bulkSent, criticalSent, milestones, input, log };
}

describe('stage 1: the critical lane does not wait for the bulk work', () => {
  it('sends every milestone on its own sink before the first enriched event is encoded', async () => {
    const r = await run(true);
    const orderMilestones = r.input.filter((s) => plan.tags.get(s.tag)?.kind === 'milestone');
    expect(orderMilestones.length).toBeGreaterThan(1);
    expect(r.milestones.map((m) => m.orderRef)).toContain('MO/LAST');
    for (const s of orderMilestones) expect(r.milestones.some((m) => m.tag === s.tag && m.tsMs === s.tsMs)).toBe(true);
    // The pre-pass sends what it found every 1,024 records (3,001 here: several sends), all before
    // the bulk work; then the encoding and one bulk send.
    const encodeAt = r.order.indexOf('encode(enriched)');
    const criticalSends = r.order.slice(0, encodeAt);
    expect(criticalSends.length).toBeGreaterThan(1);
    expect(criticalSends.every((x) => x.startsWith('critical.send('))).toBe(true);
    expect(r.criticalSent.reduce((n, c) => n + c.length, 0)).toBe(r.milestones.length);
    expect(r.order.slice(encodeAt)).toEqual(['encode(enriched)', 'bulk.send(' + r.bulkSent[0]!.length + ')']);
    expect(r.criticalSent.flat().every((x) => x.topic === t.milestones)).toBe(true);
    expect(r.bulkSent.flat().some((x) => x.topic === t.milestones)).toBe(false);
    // Every valid sample is on the enriched topic, plus one marker per enriched partition.
    expect(r.log.records(t.enriched).length).toBe(r.input.length + 4);
  });

  it('without a critical sink the milestones go to the one sink, still before the bulk send', async () => {
    const r = await run(false);
    expect(r.criticalSent).toEqual([]);
    expect(r.milestones.map((m) => m.orderRef)).toContain('MO/LAST');
    const encodeAt = r.order.indexOf('encode(enriched)');
    expect(r.order.slice(0, encodeAt).every((x) => x.startsWith('bulk.send('))).toBe(true);
    const early = r.bulkSent.slice(0, encodeAt);
    expect(early.reduce((n, c) => n + c.length, 0)).toBe(r.milestones.length);
    expect(early.flat().every((x) => x.topic === t.milestones)).toBe(true);
    expect(r.log.records(t.enriched).length).toBe(r.input.length + 4);
  });
});
