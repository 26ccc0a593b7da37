// Do the peers compute the same windows? Reads the CSV summary topics of the Java peers
// (`wc,startMs,runtimeMs,downtimeMs,good,scrap,samples`, key = work center) and compares them window by
// window against a reference peer: windows in each, in common, identical, and per field how many of the
// common windows differ and by how much in total. Windows only one side closed are expected: Kafka Streams
// leaves the last minutes open (stream time stops at the end of the data), the bounded Flink job closes
// every window at the end of its input.
import { randomUUID } from 'node:crypto';
import rdkafka from 'node-rdkafka';
import { brokers, topicEndTotal } from './kafka.mjs';

const FIELDS = ['runtimeMs', 'downtimeMs', 'good', 'scrap', 'samples'];

/**
 * All records of a topic as a Map `${wc},${startMs}` -> number[5] (a duplicate key is counted, last wins).
 * Read with node-rdkafka: the peers' producers compress with lz4, which kafkajs cannot read without a codec.
 */
export async function readSummaries(topic, timeoutMs = 120_000) {
  const total = await topicEndTotal(topic);
  const out = new Map();
  let duplicates = 0;
  if (total === 0) return { windows: out, records: 0, duplicates };
  const consumer = new rdkafka.KafkaConsumer(
    {
      'metadata.broker.list': brokers().join(','),
      'group.id': `bench-compare-${randomUUID().slice(0, 8)}`,
      'enable.auto.commit': false,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise((res, rej) => consumer.connect({}, (err) => (err ? rej(err) : res())));
  consumer.subscribe([topic]);
  consumer.setDefaultConsumeTimeout(100);
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (seen < total && Date.now() < deadline) {
    const msgs = await new Promise((res, rej) => consumer.consume(1000, (err, m) => (err ? rej(err) : res(m))));
    for (const m of msgs) {
      const f = m.value.toString('utf8').split(',');
      const key = `${f[0]},${f[1]}`;
      if (out.has(key)) duplicates++;
      out.set(key, f.slice(2).map(Number));
    }
    seen += msgs.length;
  }
  await new Promise((res) => consumer.disconnect(() => res()));
  if (seen < total) throw new Error(`bench: compare: read ${seen} of ${total} records of ${topic} in ${timeoutMs} ms`);
  return { windows: out, records: seen, duplicates };
}

/** Compares `other` against `reference` (both from readSummaries). */
export function compareSummaries(reference, other) {
  let common = 0;
  let identical = 0;
  const differing = Object.fromEntries(FIELDS.map((f) => [f, { windows: 0, absDiff: 0, referenceTotal: 0 }]));
  for (const [key, a] of reference.windows) {
    const b = other.windows.get(key);
    if (b === undefined) continue;
    common++;
    let same = true;
    FIELDS.forEach((f, i) => {
      differing[f].referenceTotal += a[i];
      if (a[i] !== b[i]) {
        same = false;
        differing[f].windows++;
        differing[f].absDiff += Math.abs(a[i] - b[i]);
      }
    });
    if (same) identical++;
  }
  const samplesTotal = (x) => [...x.windows.values()].reduce((sum, a) => sum + a[4], 0);
  return {
    // Samples counted in the emitted windows: the input count when nothing was dropped (the last
    // windows, still open at the end for Kafka Streams, aside).
    referenceSamples: samplesTotal(reference),
    otherSamples: samplesTotal(other),
    referenceWindows: reference.windows.size,
    otherWindows: other.windows.size,
    common,
    identical,
    onlyReference: reference.windows.size - common,
    onlyOther: other.windows.size - common,
    duplicates: { reference: reference.duplicates, other: other.duplicates },
    differing,
  };
}
