#!/usr/bin/env node
// Raw consume throughput of each EventSource (no work in onBatch), 200k small keyed records on a
// 4-partition topic, against baselines measured in the same run: a bare node-rdkafka consume(n)
// loop and a naive kafkajs eachMessage consumer. Scratch benchmark, not a test.
//   npx tsc -p tsconfig.build.json --outDir .cache/bench-dist &&
//     SHIFTSTREAM_DIST=.cache/bench-dist node bench/adapters/consume-throughput.mjs
// Needs Kafka (node scripts/infra.mjs up). Writes bench/results/adapters-consume.json.
import { randomUUID } from 'node:crypto';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import rdkafka from 'node-rdkafka';
import { Kafka, logLevel } from 'kafkajs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DIST = resolve(process.env.SHIFTSTREAM_DIST ?? join(ROOT, 'dist'));
const load = (p) => import(pathToFileURL(join(DIST, p)).href);
const { loadConfig } = await load('config/index.js');
const { createEventSource, createEventSink } = await load('io/kafka/index.js');
const { MemoryLog, MemoryEventSink, MemoryEventSource } = await load('io/memory/index.js');

const N = Number(process.env.BENCH_RECORDS ?? 200_000);
const PARTITIONS = 4;
const envFile = join(ROOT, '.infra', 'env.json');
const infraEnv = existsSync(envFile) ? JSON.parse(readFileSync(envFile, 'utf8')).env : {};
const config = (client) => loadConfig({ env: { ...infraEnv, SHIFTSTREAM_KAFKA__CLIENT: client } });
const brokers = [...config('kafkajs').kafka.brokers];
const run = randomUUID().slice(0, 8);
const topic = `bench-consume-${run}`;

const records = Array.from({ length: N }, (_, i) => ({
  topic,
  key: `machine-${i % 64}`,
  value: Buffer.from(`{"v":${i},"t":1700000000000}`),
}));

async function produceKafka() {
  const admin = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const sink = createEventSink(config('rdkafka'));
  const t0 = performance.now();
  const pending = [];
  for (let i = 0; i < N; i += 5000) pending.push(sink.send(records.slice(i, i + 5000)));
  await Promise.all(pending);
  const ms = performance.now() - t0;
  await sink.close();
  return ms;
}

/** Runs a port EventSource until N records arrived; returns records/s. */
async function viaPort(source) {
  let seen = 0;
  let t0 = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  const done = source.run({
    onAssign: async (tps) => new Map(tps.map((tp) => [`${tp.topic}:${tp.partition}`, undefined])),
    onRevoke: async () => {},
    onBatch: async (batch) => {
      if (seen === 0) t0 = performance.now();
      seen += batch.records.length;
      if (seen >= N) resolveAll();
    },
  });
  await all;
  const ms = performance.now() - t0;
  await source.stop();
  await done;
  return { recordsPerSec: Math.round((N / ms) * 1000), ms: Math.round(ms) };
}

async function bareRdkafka() {
  const consumer = new rdkafka.KafkaConsumer(
    { 'metadata.broker.list': brokers.join(','), 'group.id': `bench-bare-${run}`, 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise((res, rej) => consumer.connect({}, (err) => (err ? rej(err) : res())));
  consumer.subscribe([topic]);
  consumer.setDefaultConsumeTimeout(10);
  let seen = 0;
  let t0 = 0;
  while (seen < N) {
    const msgs = await new Promise((res, rej) => consumer.consume(1000, (err, m) => (err ? rej(err) : res(m))));
    if (msgs.length > 0 && seen === 0) t0 = performance.now();
    seen += msgs.length;
  }
  const ms = performance.now() - t0;
  await new Promise((res) => consumer.disconnect(() => res()));
  return { recordsPerSec: Math.round((N / ms) * 1000), ms: Math.round(ms) };
}

async function naiveKafkaJs() {
  const consumer = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: `bench-naive-${run}`,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let t0 = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  await consumer.run({
    eachMessage: async () => {
      if (seen === 0) t0 = performance.now();
      if (++seen === N) resolveAll();
    },
  });
  await all;
  const ms = performance.now() - t0;
  await consumer.disconnect();
  return { recordsPerSec: Math.round((N / ms) * 1000), ms: Math.round(ms) };
}

const results = {
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  records: N,
  partitions: PARTITIONS,
  valueBytes: records[0].value.length,
};
results.produceRdkafkaMs = Math.round(await produceKafka());

const log = new MemoryLog({ defaultPartitions: PARTITIONS });
log.createTopic(topic, PARTITIONS);
await new MemoryEventSink(log).send(records);
results.memory = await viaPort(new MemoryEventSource(log, { groupId: 'bench', topics: [topic] }));
results.baselineBareRdkafka = await bareRdkafka();
results.rdkafkaSource = await viaPort(
  createEventSource(config('rdkafka'), { groupId: `bench-rd-${run}`, topics: [topic] }),
);
results.baselineNaiveKafkaJsEachMessage = await naiveKafkaJs();
results.kafkajsSource = await viaPort(
  createEventSource(config('kafkajs'), { groupId: `bench-kjs-${run}`, topics: [topic] }),
);
results.ratios = {
  rdkafkaSourceVsBareRdkafka: +(
    results.rdkafkaSource.recordsPerSec / results.baselineBareRdkafka.recordsPerSec
  ).toFixed(2),
  kafkajsSourceVsNaiveEachMessage: +(
    results.kafkajsSource.recordsPerSec / results.baselineNaiveKafkaJsEachMessage.recordsPerSec
  ).toFixed(2),
  kafkajsSourceVsBareRdkafka: +(
    results.kafkajsSource.recordsPerSec / results.baselineBareRdkafka.recordsPerSec
  ).toFixed(2),
};
writeFileSync(join(ROOT, 'bench', 'results', 'adapters-consume.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
