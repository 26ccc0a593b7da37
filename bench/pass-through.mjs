#!/usr/bin/env node
// Pass-through ceiling of a Node client (issue 12): consume the pre-loaded raw topic and produce every
// record, key and value bytes as they came (no decode), to another topic; idempotent producer, acks=all,
// batched; input offsets committed only behind acknowledged records. This is the I/O that any pipeline
// publishing an enriched topic cannot avoid (shiftstream's stage 1 does it, plus decode, map, encode).
//   node bench/pass-through.mjs --client rdkafka|kafkajs|platformatic --topic <raw> --out <topic> --count <n>
// Timed from the partition assignment (as raw-consumer.mjs) to the acknowledgement of the n-th record.
// Prints one JSON line: records, ms, events/s, CPU and peak RSS of this process, the client's settings.
import { randomUUID } from 'node:crypto';
import rdkafka from 'node-rdkafka';
import { Kafka, logLevel } from 'kafkajs';
import { brokers } from './lib/kafka.mjs';
import { importPlatformatic } from './lib/platformatic.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    client: { type: 'string' },
    topic: { type: 'string' },
    out: { type: 'string' },
    count: { type: 'string' },
    'max-in-flight': { type: 'string' }, // kafkajs only: the idempotent producer's maxInFlightRequests
  },
});
const N = Number(values.count);
const group = `bench-pass-${values.client}-${randomUUID().slice(0, 8)}`;
const COMMIT_EVERY_MS = 1_000;
const KAFKAJS_CHUNK = 10_000;
// One partition's batch at a time: kafkajs' idempotent producer has one request in flight anyway, and 4
// concurrent partitions measured slower (6,900 against 12,000 events/s on 400,000 records, loaded host).
const KAFKAJS_PARTITIONS_CONCURRENTLY = 1;

/**
 * node-rdkafka: consume(1000) loop; produce() each record (librdkafka batches per partition, linger 5 ms);
 * delivery reports polled every 5 ms. Once a second the loop waits until every record produced so far is
 * acknowledged and commits the consumed offsets (exact at-least-once without per-message opaques).
 */
async function rdkafkaPassThrough() {
  const settings = {
    'enable.idempotence': true, // implies acks=all and in-order retries
    acks: 'all',
    'linger.ms': 5,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 500_000,
    'compression.codec': 'none',
    dr_cb: true,
  };
  const producer = new rdkafka.Producer({ 'metadata.broker.list': brokers().join(','), ...settings });
  let delivered = 0;
  let failed = null;
  producer.on('delivery-report', (err) => {
    if (err) failed = err;
    delivered++;
  });
  await new Promise((res, rej) => producer.connect({}, (err) => (err ? rej(err) : res())));
  producer.setPollInterval(5);
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
  consumer.subscribe([values.topic]);
  consumer.setDefaultConsumeTimeout(10);
  let produced = 0;
  let lastCommit = performance.now();
  const waitDelivered = async (upTo) => {
    while (delivered < upTo) await new Promise((r) => setTimeout(r, 1));
    if (failed) throw failed;
  };
  while (produced < N) {
    const msgs = await new Promise((res, rej) => consumer.consume(1000, (err, m) => (err ? rej(err) : res(m))));
    for (const m of msgs) {
      for (;;) {
        try {
          producer.produce(values.out, null, m.value, m.key);
          break;
        } catch (err) {
          if (err.code !== rdkafka.CODES.ERRORS.ERR__QUEUE_FULL) throw err;
          await new Promise((r) => setTimeout(r, 1)); // the poll interval drains delivery reports meanwhile
        }
      }
      produced++;
    }
    if (performance.now() - lastCommit >= COMMIT_EVERY_MS && msgs.length > 0) {
      await waitDelivered(produced);
      consumer.commit(); // the consumed positions, all acknowledged downstream
      lastCommit = performance.now();
    }
  }
  await waitDelivered(N);
  const ms = performance.now() - t0;
  consumer.commit();
  await new Promise((res) => consumer.disconnect(() => res()));
  await new Promise((res) => producer.disconnect(() => res()));
  return { ms, records: delivered, settings: { ...settings, pollIntervalMs: 5, consumeBatch: 1000 } };
}

/**
 * kafkajs: eachBatch; awaited send()s of the whole batch (idempotent, acks -1, one request in flight, as
 * kafkajs' idempotent producer requires), then the batch's offsets are resolved and committed.
 */
async function kafkajsPassThrough() {
  const kafka = new Kafka({ clientId: 'bench-pass', brokers: brokers(), logLevel: logLevel.NOTHING });
  const maxInFlightRequests = Number(values['max-in-flight'] ?? 1);
  const settings = {
    idempotent: true,
    acks: -1,
    maxInFlightRequests,
    compression: 'none',
    sendChunk: KAFKAJS_CHUNK,
    partitionsConsumedConcurrently: KAFKAJS_PARTITIONS_CONCURRENTLY,
  };
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests });
  const consumer = kafka.consumer({
    groupId: group,
    maxBytes: 10 * 1024 * 1024,
    maxBytesPerPartition: 2 * 1024 * 1024,
  });
  let t0 = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (t0 === 0) t0 = performance.now();
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [values.topic], fromBeginning: true });
  let acked = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  let t1 = 0;
  await consumer.run({
    eachBatchAutoResolve: true,
    partitionsConsumedConcurrently: KAFKAJS_PARTITIONS_CONCURRENTLY,
    eachBatch: async ({ batch }) => {
      // kafkajs writes one record batch per partition and send(), which must stay under the broker's
      // message.max.bytes (1 MiB): chunks of 10,000 records (~190 KB per output partition).
      for (let i = 0; i < batch.messages.length; i += KAFKAJS_CHUNK)
        await producer.send({
          topic: values.out,
          acks: -1,
          messages: batch.messages.slice(i, i + KAFKAJS_CHUNK).map((m) => ({ key: m.key, value: m.value })),
        });
      acked += batch.messages.length;
      if (acked >= N && t1 === 0) {
        t1 = performance.now();
        resolveAll();
      }
    },
  });
  await all;
  await consumer.disconnect();
  await producer.disconnect();
  return { ms: t1 - t0, records: acked, settings };
}

/**
 * @platformatic/kafka: the message stream ('data' events) into batches of up to 2,000 records, each one
 * send() (idempotent, acks ALL), up to 2 sends under way (the stream is paused at the limit); once a
 * second, with nothing in flight, the last consumed offsets are committed.
 */
async function platformaticPassThrough() {
  const { Consumer, MessagesStreamModes, ProduceAcks, Producer } = await importPlatformatic();
  const settings = {
    idempotent: true,
    acks: ProduceAcks.ALL,
    batch: 2_000,
    // The client itself keeps one produce request in flight when idempotent (maxInflights = 1 in its
    // producer.js): a second send() only queues the next batch behind it.
    sendsInFlight: 2,
    compression: 'none',
  };
  const producer = new Producer({
    clientId: 'bench-pass',
    bootstrapBrokers: brokers(),
    idempotent: true,
    acks: ProduceAcks.ALL,
  });
  const consumer = new Consumer({
    clientId: 'bench-pass',
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
  const stream = await consumer.consume({
    topics: [values.topic],
    mode: MessagesStreamModes.EARLIEST,
    autocommit: false,
  });
  let acked = 0;
  let t1 = 0;
  let inFlight = 0;
  let batch = [];
  let flushScheduled = false;
  const last = new Map(); // partition -> the last consumed message
  let lastCommit = performance.now();
  let failed = null;
  let resolveAll;
  let rejectAll;
  const all = new Promise((res, rej) => ((resolveAll = res), (rejectAll = rej)));
  const commitIfIdle = () => {
    if (inFlight > 0 || batch.length > 0 || performance.now() - lastCommit < COMMIT_EVERY_MS) return;
    lastCommit = performance.now();
    const offsets = [...last.values()].map((m) => ({
      topic: m.topic,
      partition: m.partition,
      offset: m.offset + 1n,
      leaderEpoch: m.leaderEpoch,
    }));
    consumer.commit({ offsets }).catch((err) => (failed = err));
  };
  const flush = () => {
    flushScheduled = false;
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    inFlight++;
    if (inFlight >= settings.sendsInFlight) stream.pause();
    producer
      .send({ messages })
      .then(() => {
        acked += messages.length;
        inFlight--;
        if (stream.isPaused()) stream.resume();
        if (acked >= N && t1 === 0) {
          t1 = performance.now();
          resolveAll();
        }
        commitIfIdle();
      })
      .catch(rejectAll);
  };
  stream.on('data', (m) => {
    batch.push({ topic: values.out, key: m.key, value: m.value });
    last.set(m.partition, m);
    if (batch.length >= settings.batch) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
  stream.on('error', rejectAll);
  await all;
  if (failed) throw failed;
  await stream.close();
  await consumer.close();
  await producer.close();
  return { ms: t1 - t0, records: acked, settings };
}

const cpu0 = process.cpuUsage();
const run = { rdkafka: rdkafkaPassThrough, kafkajs: kafkajsPassThrough, platformatic: platformaticPassThrough };
const r = await run[values.client]();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    client: values.client,
    records: r.records,
    ms: Math.round(r.ms),
    eventsPerSec: Math.round((r.records / r.ms) * 1000),
    cpuMsTotal: Math.round((cpu.user + cpu.system) / 1000),
    rssPeakKb: process.resourceUsage().maxRSS,
    settings: r.settings,
  })}\n`,
);
process.exit(0);
