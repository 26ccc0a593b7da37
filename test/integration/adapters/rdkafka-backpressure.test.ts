// node-rdkafka source backpressure: a partition's queue at `maxQueuedPerPartition` stops consume()
// (no pause/resume, which purged and re-fetched pre-fetched messages) until a batch finishes.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEventSink } from '../../../src/io/kafka/index.js';
import { RdKafkaEventSource } from '../../../src/io/kafka/rdkafka-event-source.js';
import { tpKey, type SourceBatch } from '../../../src/ports/event-source.js';
import { Recorder, waitFor } from './contract.js';
import { createKafkaTopic, integrationConfig } from './env.js';

const config = integrationConfig({ SHIFTSTREAM_KAFKA__CLIENT: 'rdkafka' });
const run = randomUUID().slice(0, 8);
const name = (label: string): string => `rdkafka-bp-${label}-${run}-${randomUUID().slice(0, 6)}`;
const DEADLINE_MS = 60_000;
const MAX_QUEUED = 300;
const CONSUME_BATCH = 100;

async function produce(topic: string, count: number): Promise<void> {
  const sink = createEventSink(config, { clientId: 'rdkafka-bp' });
  try {
    const sends = [];
    for (let i = 0; i < count; i += 500) {
      const records = [];
      for (let j = i; j < Math.min(count, i + 500); j++)
        records.push({ topic, key: `machine-${j % 13}`, value: Buffer.from(`v-${j}`) });
      sends.push(sink.send(records));
    }
    await Promise.all(sends);
  } finally {
    await sink.close();
  }
}

function source(topic: string): RdKafkaEventSource {
  return new RdKafkaEventSource(config, {
    groupId: name('group'),
    topics: [topic],
    clientId: 'rdkafka-bp',
    consumeBatchSize: CONSUME_BATCH,
    maxQueuedPerPartition: MAX_QUEUED,
  });
}

describe('rdkafka source backpressure', () => {
  it('bounds each partition queue while its batch is slow, and delivers every record once, in order', async () => {
    const topic = name('slow');
    await createKafkaTopic(config, topic, 2);
    const count = 6_000;
    await produce(topic, count);
    const rec = new Recorder();
    const sizes: number[] = [];
    const src = source(topic);
    const done = src.run({
      onAssign: (tps) => rec.onAssign(tps),
      onRevoke: (tps) => rec.onRevoke(tps),
      onBatch: async (batch: SourceBatch) => {
        sizes.push(batch.records.length);
        await rec.onBatch(batch);
        // Partition 0 is slow: its queue reaches the bound while this batch runs.
        if (batch.partition === 0) await new Promise((r) => setTimeout(r, 40));
      },
    });
    try {
      await waitFor(
        `${count} records`,
        () => rec.total >= count,
        DEADLINE_MS,
        () => `got ${rec.total}`,
      );
    } finally {
      await src.stop();
      await done;
    }
    expect(rec.violations).toEqual([]);
    const seen = rec.records().map((r) => `${tpKey(r)}@${r.offset}`);
    expect(new Set(seen).size).toBe(count);
    expect(seen.length).toBe(count);
    // A queue stops growing once it holds MAX_QUEUED: one consume() call may overshoot it.
    expect(Math.max(...sizes)).toBeLessThan(MAX_QUEUED + CONSUME_BATCH);
  }, 120_000);

  it('stop() returns while consumption waits for room behind a batch in flight', async () => {
    const topic = name('stop');
    await createKafkaTopic(config, topic, 1);
    await produce(topic, 3_000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let batches = 0;
    const src = source(topic);
    const done = src.run({
      onAssign: async (tps) => new Map(tps.map((tp) => [tpKey(tp), undefined])),
      onRevoke: async () => undefined,
      onBatch: async () => {
        batches++;
        await gate; // the first batch holds the partition: its queue fills to the bound
      },
    });
    await waitFor('the first batch', () => batches === 1, DEADLINE_MS);
    await new Promise((r) => setTimeout(r, 500));
    const stopped = src.stop();
    setTimeout(release, 200);
    await stopped;
    await done;
    expect(batches).toBe(1);
  }, 120_000);
});
