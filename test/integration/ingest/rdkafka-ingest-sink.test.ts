// The node-rdkafka IngestSink (src/io/kafka/rdkafka-ingest-sink.ts) on real Kafka: the same
// exactly-once mechanism as the kafkajs sink (file-ingest.test.ts, second test), with the position
// kept as the offset alone. A writer with the same transactional.id leaves a transaction open (as
// a killed ingest would); the next open() aborts it, fences that writer and returns the last
// committed position, so its records never reach a read_committed reader. A group named for
// another spool holds no position for this one, and a position the offset cannot restore is refused.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestIds } from '../../../src/cli/commands/ingest.js';
import type { RawSample } from '../../../src/core/types.js';
import { spoolPosition } from '../../../src/ingest/mqtt-ingest.js';
import { ensureTopics } from '../../../src/io/kafka/admin.js';
import { RdKafkaIngestSink } from '../../../src/io/kafka/rdkafka-ingest-sink.js';
import { PlantHarness } from '../../support/pipeline-harness.js';
import { uniqueName } from '../support/env.js';
import { readRawTopic } from '../support/raw-topic.js';

let h: PlantHarness | undefined;
afterAll(async () => {
  await h?.close();
});

describe('RdKafkaIngestSink: exactly once across a dead writer (real Kafka)', () => {
  it('open() aborts the transaction a dead writer left open, and returns the last committed position', async () => {
    h = await PlantHarness.create('ingest-rdk', 'test/unit/replay/test-plant.yaml');
    const harness = h;
    const config = harness.config;
    const topic = harness.topology.topics.raw;
    const ids = ingestIds(harness.plantId, 'mqtt:dead-writer');
    await ensureTopics(config, [{ topic: ids.positionsTopic, partitions: 1, compacted: true }]);
    const sinkFor = (spoolId: string): RdKafkaIngestSink =>
      new RdKafkaIngestSink(config, {
        transactionalId: ids.group,
        positionsGroup: `${ids.group}-spool-${spoolId}`,
        positionsTopic: ids.positionsTopic,
        positionAt: (seq) => spoolPosition('mqtt:dead-writer', spoolId, seq),
      });
    const at = (seq: number) => spoolPosition('mqtt:dead-writer', 'spool-a', seq);
    const sample = (i: number): RawSample => ({
      tag: 'M2a.HB',
      tsMs: Date.UTC(2026, 5, 1) + i,
      value: i,
      quality: 'good',
    });
    const records = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        topic,
        key: 'M2a.HB',
        value: harness.codecs.raw.encode(sample(from + i)),
      }));

    const first = sinkFor('spool-a');
    expect(await first.open()).toBeUndefined();
    await first.commit(records(0, 100), at(99));
    await expect(
      first.commit(records(100, 1), { ...at(100), rejectedBytes: 7 }),
      'a position the offset alone cannot restore',
    ).rejects.toThrow(/committed offset alone restores/);
    await first.close();

    // The "killed" writer: same transactional.id, records sent, never committed, never closed.
    const kafka = new Kafka({
      clientId: uniqueName('dead'),
      brokers: [...config.kafka.brokers],
      logLevel: logLevel.NOTHING,
    });
    const dead = kafka.producer({ transactionalId: ids.group, idempotent: true, maxInFlightRequests: 1 });
    await dead.connect();
    const tx = await dead.transaction();
    await tx.send({ topic, messages: records(100, 50) });

    const second = sinkFor('spool-a');
    expect(await second.open()).toEqual(at(99));
    await second.commit(records(100, 10), at(109));
    await second.close();
    await expect(tx.commit(), 'the dead writer is fenced').rejects.toThrow();
    await dead.disconnect().catch(() => undefined);

    const other = sinkFor('spool-b');
    expect(await other.open(), 'a position recorded for another spool').toBeUndefined();
    await other.close();

    const hb = (await readRawTopic(harness, 110)).filter((s) => s.tag === 'M2a.HB' && s.tsMs >= Date.UTC(2026, 5, 1));
    expect(hb.map((s) => s.value)).toEqual(Array.from({ length: 110 }, (_, i) => i));
    const uncommitted = (await readRawTopic(harness, 160, { committed: false })).filter(
      (s) => s.tag === 'M2a.HB' && s.tsMs >= Date.UTC(2026, 5, 1),
    );
    expect(uncommitted).toHaveLength(160); // the 50 aborted ones are in the log, invisible to read_committed
  }, 120_000);
});
