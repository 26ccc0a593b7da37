// Reads a plant's raw topic from the beginning, as a data-team consumer would, for the ingest tests:
// waits for at least `atLeast` records, then for 3 s without another one (so a test also sees a
// record too many), and decodes every value as a RawSample. Reads read_committed unless told
// otherwise, so aborted transactions stay invisible.
import { Kafka, logLevel } from 'kafkajs';
import type { RawSample } from '../../../src/core/types.js';
import { until, type PlantHarness } from '../../support/pipeline-harness.js';
import { uniqueName } from './env.js';

export interface ReadRawOptions {
  /** read_committed (default) or read_uncommitted. */
  readonly committed?: boolean;
  /** How long to wait for `atLeast` records. */
  readonly timeoutMs?: number;
}

export async function readRawTopic(
  harness: PlantHarness,
  atLeast: number,
  { committed = true, timeoutMs = 120_000 }: ReadRawOptions = {},
): Promise<RawSample[]> {
  const kafka = new Kafka({
    clientId: uniqueName('raw-read'),
    brokers: [...harness.config.kafka.brokers],
    logLevel: logLevel.NOTHING,
  });
  const groupId = uniqueName(`read-${harness.plantId}`);
  const consumer = kafka.consumer({ groupId, readUncommitted: !committed, maxBytes: 64 << 20 });
  const values: Buffer[] = [];
  let lastAt = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: harness.topology.topics.raw, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) if (m.value !== null) values.push(m.value);
        lastAt = Date.now();
      },
    });
    await until(`raw topic: ${atLeast} records (read_committed ${committed})`, timeoutMs, () =>
      values.length >= atLeast ? true : undefined,
    );
    await until('raw topic: 3 s without another record', 60_000, () =>
      Date.now() - lastAt > 3_000 ? true : undefined,
    );
  } finally {
    await consumer.disconnect();
    await harness.admin.deleteGroups([groupId]).catch(() => undefined);
  }
  await harness.codecs.prepare(values);
  return values.map((value) => {
    const d = harness.codecs.raw.decode(value);
    if (!d.ok) throw new Error(`raw record: expected a RawSample, found: ${d.detail}`);
    return d.value;
  });
}
