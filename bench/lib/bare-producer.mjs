#!/usr/bin/env node
// The bare producer of bench/ingest.mjs, as a child process like the measured `shiftstream ingest`
// (so both pay a Node start): reads an NDJSON export, takes each line's tag as the key and the
// line's bytes as the value, and sends them with a kafkajs idempotent producer (acks -1), one
// batch of --batch records at a time. Prints {"records": n, "ms": from start to the last acknowledgement}.
//   node bench/lib/bare-producer.mjs <file> <topic> [batch]
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { brokers } from './kafka.mjs';

const t0 = performance.now(); // like ingest's own figure: from before the connect to the last acknowledgement
const [file, topic, batchArg] = process.argv.slice(2);
const batch = Number(batchArg ?? 10_000);
const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers(), logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
let messages = [];
let n = 0;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (line.length === 0) continue;
  messages.push({ key: JSON.parse(line).tag, value: Buffer.from(line) });
  if (messages.length >= batch) {
    await producer.send({ topic, acks: -1, messages });
    n += messages.length;
    messages = [];
  }
}
if (messages.length > 0) await producer.send({ topic, acks: -1, messages });
n += messages.length;
await producer.disconnect();
console.log(JSON.stringify({ records: n, ms: Math.round(performance.now() - t0) }));
