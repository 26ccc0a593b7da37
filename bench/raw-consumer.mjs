#!/usr/bin/env node
// Raw ceiling of a Node client: consume a pre-loaded topic with no work at all, as fast as the
// client allows, and print one JSON line. Run as a child of bench/run.mjs, one process per client.
//   node bench/raw-consumer.mjs --client rdkafka|kafkajs|platformatic --topic <t> --count <n>
// rdkafka: a bare KafkaConsumer consume(1000) loop; kafkajs: eachBatch (no per-message await);
// platformatic: @platformatic/kafka's message stream, 'data' events.
// Timed from the end of the group join (partitions assigned; as ConsumerPerformance's fetch time)
// to the last record; CPU and peak RSS of this process.
import { randomUUID } from 'node:crypto';
import rdkafka from 'node-rdkafka';
import { Kafka, logLevel } from 'kafkajs';
import { brokers } from './lib/kafka.mjs';
import { importPlatformatic } from './lib/platformatic.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: { client: { type: 'string' }, topic: { type: 'string' }, count: { type: 'string' } },
});
const N = Number(values.count);
const topic = values.topic;
const group = `bench-raw-${values.client}-${randomUUID().slice(0, 8)}`;

async function bareRdkafka() {
  const consumer = new rdkafka.KafkaConsumer(
    {
      'metadata.broker.list': brokers().join(','),
      'group.id': group,
      rebalance_cb: true,
      'enable.auto.commit': false,
      'fetch.wait.max.ms': 100,
      'queued.min.messages': 100_000,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  let t0 = 0;
  consumer.on('rebalance', (err) => {
    if (err.code === rdkafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS && t0 === 0) t0 = performance.now();
  });
  await new Promise((res, rej) => consumer.connect({}, (err) => (err ? rej(err) : res())));
  consumer.subscribe([topic]);
  consumer.setDefaultConsumeTimeout(10);
  let seen = 0;
  let bytes = 0;
  while (seen < N) {
    const msgs = await new Promise((res, rej) => consumer.consume(1000, (err, m) => (err ? rej(err) : res(m))));
    seen += msgs.length;
    for (const m of msgs) bytes += m.value?.length ?? 0;
  }
  const ms = performance.now() - t0;
  await new Promise((res) => consumer.disconnect(() => res()));
  return { ms, seen, bytes };
}

async function bareKafkaJs() {
  const consumer = new Kafka({ clientId: 'bench-raw', brokers: brokers(), logLevel: logLevel.NOTHING }).consumer({
    groupId: group,
    maxBytes: 10 * 1024 * 1024,
    maxBytesPerPartition: 2 * 1024 * 1024,
  });
  let t0 = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (t0 === 0) t0 = performance.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let bytes = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) bytes += m.value?.length ?? 0;
      seen += batch.messages.length;
      if (seen >= N) resolveAll();
    },
  });
  await all;
  const ms = performance.now() - t0;
  await consumer.disconnect();
  return { ms, seen, bytes };
}

async function barePlatformatic() {
  const { Consumer, MessagesStreamModes } = await importPlatformatic();
  const consumer = new Consumer({
    clientId: 'bench-raw',
    groupId: group,
    bootstrapBrokers: brokers(),
    // Fetch sizes as the kafkajs consumer's (10 MiB, 2 MiB per partition); a 16,384-message stream
    // buffer instead of 1,024 (each fetch returns ~60,000 records of this topic).
    maxBytes: 10 * 1024 * 1024,
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxWaitTime: 100,
    highWaterMark: 16_384,
  });
  let t0 = 0;
  consumer.on('consumer:group:join', () => {
    if (t0 === 0) t0 = performance.now();
  });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  let seen = 0;
  let bytes = 0;
  let ms = 0;
  await new Promise((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', (m) => {
      bytes += m.value?.length ?? 0;
      if (++seen === N) {
        ms = performance.now() - t0;
        resolve();
      }
    });
  });
  await stream.close();
  await consumer.close();
  return { ms, seen, bytes };
}

const cpu0 = process.cpuUsage();
const bare = { rdkafka: bareRdkafka, kafkajs: bareKafkaJs, platformatic: barePlatformatic }[values.client];
const r = await bare();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    client: values.client,
    records: r.seen,
    ms: Math.round(r.ms),
    eventsPerSec: Math.round((r.seen / r.ms) * 1000),
    cpuMsTotal: Math.round((cpu.user + cpu.system) / 1000),
    rssPeakKb: process.resourceUsage().maxRSS,
    avgValueBytes: +(r.bytes / r.seen).toFixed(1),
  })}\n`,
);
process.exit(0);
