#!/usr/bin/env node
// The peer people write by hand: one kafkajs consumer, `eachMessage`, the registry client's
// `decode()`, the same 1-minute topology (runtime, downtime, good, scrap, samples per work center)
// in Maps, and an awaited `send()` of the closed minutes' summaries (JSON) when event time passes
// a minute end plus 5 s. No repartition is needed: one process reads every partition.
// Same simplifications as the Kafka Streams peer (StreamsPeer.java): older state samples ignored,
// silences longer than 2 min not credited, no late amendments.
//   node bench/peers/naive-kafkajs.mjs --topic <raw> --out <topic> --tags <tags.tsv> --count <n> --registry <url>
// Prints one JSON line: ms from the group join to the n-th sample applied, CPU, peak RSS.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { brokers } from '../lib/kafka.mjs';

const { values } = parseArgs({
  options: {
    topic: { type: 'string' },
    out: { type: 'string' },
    tags: { type: 'string' },
    count: { type: 'string' },
    registry: { type: 'string' },
  },
});
const N = Number(values.count);
const MINUTE = 60_000;
const tags = new Map();
for (const line of readFileSync(values.tags, 'utf8').split('\n')) {
  if (line === '') continue;
  const [tag, role, machineId, workCenterId, states] = line.split('\t');
  tags.set(tag, {
    role: Number(role),
    machineId,
    workCenterId,
    states: new Map(
      states === ''
        ? []
        : states
            .split(',')
            .map((kv) => kv.split('=').map(String))
            .map(([k, v]) => [k, Number(v)]),
    ),
  });
}

const registry = new SchemaRegistry({ host: values.registry });
const kafka = new Kafka({ clientId: 'bench-naive', brokers: brokers(), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: `bench-naive-${randomUUID().slice(0, 8)}` });
const producer = kafka.producer();
const machines = new Map(); // machineId -> { cat, ts, good }
const windows = new Map(); // `${wc}|${start}` -> { wc, start, runtime, downtime, good, scrap, samples }
let maxTs = 0;
let closedUpTo = 0;
let applied = 0;
let summaries = 0;
let t0 = 0;
let resolveAll;
const all = new Promise((r) => (resolveAll = r));

function add(wc, ts, field, amount) {
  const start = Math.floor(ts / MINUTE) * MINUTE;
  const key = `${wc}|${start}`;
  let w = windows.get(key);
  if (w === undefined) windows.set(key, (w = { wc, start, runtime: 0, downtime: 0, good: 0, scrap: 0, samples: 0 }));
  w[field] += amount;
}

async function closeWindows() {
  const limit = Math.floor((maxTs - 5_000) / MINUTE) * MINUTE; // windows ending at or before this are closed
  if (limit <= closedUpTo) return;
  closedUpTo = limit;
  const messages = [];
  for (const [key, w] of windows) {
    if (w.start + MINUTE <= limit) {
      messages.push({ key: w.wc, value: JSON.stringify(w) });
      windows.delete(key);
    }
  }
  if (messages.length > 0) {
    summaries += messages.length;
    await producer.send({ topic: values.out, messages });
  }
}

consumer.on(consumer.events.GROUP_JOIN, () => {
  if (t0 === 0) t0 = performance.now();
});
await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [values.topic], fromBeginning: true });
const cpu0 = process.cpuUsage();
await consumer.run({
  eachMessage: async ({ message }) => {
    const s = await registry.decode(message.value);
    const t = tags.get(s.tag);
    if (t !== undefined && s.quality === 'good') {
      const ts = Number(s.ts instanceof Date ? s.ts.getTime() : s.ts);
      let m = machines.get(t.machineId);
      if (m === undefined) machines.set(t.machineId, (m = { cat: -1, ts: -Infinity, good: -1 }));
      if (t.role === 0) {
        const cat = t.states.get(String(s.value));
        if (cat !== undefined && ts >= m.ts) {
          if (m.cat === 0 || m.cat === 1) {
            if (ts - m.ts <= 120_000) {
              for (let a = m.ts; a < ts;) {
                const b = Math.min(ts, (Math.floor(a / MINUTE) + 1) * MINUTE);
                add(t.workCenterId, a, m.cat === 0 ? 'runtime' : 'downtime', b - a);
                a = b;
              }
            }
          }
          m.cat = cat;
          m.ts = ts;
        }
      } else if (t.role === 2) {
        const v = Number(s.value);
        if (m.good >= 0) add(t.workCenterId, ts, 'good', v >= m.good ? v - m.good : v + 65536 - m.good);
        m.good = v;
      } else if (t.role === 3) add(t.workCenterId, ts, 'scrap', Number(s.value));
      add(t.workCenterId, ts, 'samples', 1);
      if (ts > maxTs) maxTs = ts;
      await closeWindows();
    }
    if (++applied === N) resolveAll();
  },
});
await all;
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    records: applied,
    ms: Math.round(ms),
    eventsPerSec: Math.round((applied / ms) * 1000),
    summaries,
    cpuMsTotal: Math.round((cpu.user + cpu.system) / 1000),
    rssPeakKb: process.resourceUsage().maxRSS,
  })}\n`,
);
await consumer.disconnect();
await producer.disconnect();
process.exit(0);
