#!/usr/bin/env node
// Ingest throughput from MQTT (issue 11), against a baseline measured in the same run.
//   node bench/ingest-mqtt.mjs [--count 20000] [--rounds 2] [--profile <dir>] [--clients rdkafka,kafkajs]
//   (after `npm run build`; --clients: one ingest run per kafka.ingestClient per round, default: the default)
// Both sides drain the same backlog: N JSON samples published at QoS 1 to a Mosquitto of the bench's
// own (loopback) while the subscriber's persistent session is away, so the publisher does not share
// the 2 cores with the measured side. Timed from the first message received to the N-th sample
// acknowledged by Kafka.
// - baseline: a bare pass-through in this process: mqtt.js (QoS 1, PUBACK at once, nothing on disk)
//   -> kafkajs idempotent producer, batches of up to 5,000, key = tag, value = the payload bytes;
// - ingest: the compiled `shiftstream ingest` (JSON parse, mapping check, Avro, spool append +
//   fsync before each PUBACK, transactional batches of 5,000 with the spool position).
// Writes bench/results/ingest-mqtt.json (machine facts, each round, median ratio ingest/baseline).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import { fmt, writeResult } from './lib/env.mjs';
import { brokers, createTopic, infraEnv, ROOT } from './lib/kafka.mjs';
import { procSample } from './lib/proc.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    count: { type: 'string' },
    rounds: { type: 'string' },
    profile: { type: 'string' },
    clients: { type: 'string' },
  },
});
const N = Number(values.count ?? 20_000);
const ROUNDS = Number(values.rounds ?? 2);
/** undefined: the configured default (kafka.ingestClient). */
const CLIENTS = values.clients === undefined ? [undefined] : values.clients.split(',');
const TAGS = ['M1a.HB', 'M2a.HB', 'M3a.HB', 'M4a.HB'];
const T0 = Date.UTC(2026, 2, 2, 6);
const stamp = Date.now().toString(36);
const work = mkdtempSync(join(tmpdir(), 'bench-ingest-'));

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function startMosquitto() {
  const port = await freePort();
  const conf = join(work, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n` +
      'max_inflight_messages 0\n',
  );
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `mqtt://127.0.0.1:${port}`;
  await until(
    'mosquitto listening',
    async () => {
      try {
        const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
        await c.endAsync();
        return true;
      } catch {
        return undefined;
      }
    },
    10_000,
  );
  return { url, child };
}

/** Creates the persistent session (clientId, subscription) and leaves. */
async function makeSession(url, clientId, filter) {
  const c = await mqtt.connectAsync(url, { clientId, clean: false });
  await c.subscribeAsync(filter, { qos: 1 });
  await c.endAsync();
}

async function publishBacklog(url, prefix, offset) {
  const pub = await mqtt.connectAsync(url, { clientId: `bench-pub-${stamp}`, clean: true });
  const inFlight = [];
  for (let i = 0; i < N; i++) {
    const n = offset + i;
    const tag = TAGS[n % TAGS.length];
    inFlight.push(
      pub.publishAsync(`${prefix}/${tag.replace('.', '/')}`, JSON.stringify({ ts: T0 + n * 1000, value: n }), {
        qos: 1,
      }),
    );
    if (inFlight.length >= 1_000) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  await pub.endAsync();
}

async function baseline(url, prefix, round) {
  const clientId = `bench-base-${stamp}-${round}`;
  const topic = `bench.ingest.${stamp}.base${round}`;
  await createTopic(topic, 4);
  await makeSession(url, clientId, `${prefix}/+/+`);
  await publishBacklog(url, prefix, round * N);
  const kafka = new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let pending = [];
  let acked = 0;
  let firstAt;
  let sending = Promise.resolve();
  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    sending = sending.then(async () => {
      await producer.send({ topic, acks: -1, messages: batch });
      acked += batch.length;
    });
  };
  const timer = setInterval(flush, 20);
  const cpu0 = procSample(process.pid).cpuMs;
  // The listener is attached before the connection: the queued backlog arrives with the CONNACK.
  const c = mqtt.connect(url, { clientId, clean: false });
  c.on('message', (t, payload) => {
    firstAt ??= performance.now();
    pending.push({ key: `${t.split('/')[2]}.${t.split('/')[3]}`, value: payload });
    if (pending.length >= 5_000) flush();
  });
  await until('baseline: all acknowledged by Kafka', () => (acked >= N ? true : undefined), 600_000);
  const ms = performance.now() - firstAt;
  const cpuMs = procSample(process.pid).cpuMs - cpu0;
  clearInterval(timer);
  await c.endAsync();
  await producer.disconnect();
  return { samples: acked, ms: Math.round(ms), perS: Math.round((acked * 1000) / ms), cpuMs };
}

/** The sum over the series of each metric named (0 each when /metrics does not answer yet). */
async function scrape(port, ...names) {
  const sums = names.map(() => 0);
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const line of text.split('\n'))
      for (const [k, name] of names.entries())
        if (line.startsWith(`${name}{`)) sums[k] += Number(line.slice(line.lastIndexOf(' ') + 1));
  } catch {
    // not listening yet
  }
  return sums;
}

async function ingest(url, prefix, round, client) {
  const plantId = `bench-ingest-${stamp}-${round}${client === undefined ? '' : `-${client}`}`;
  const clientId = plantId;
  const base = readFileSync(join(ROOT, 'test/unit/replay/test-plant.yaml'), 'utf8').replace(
    /^(plant:\s*\n\s+id:\s*)\S+/m,
    `$1${plantId}`,
  );
  const topology = join(work, `${plantId}.yaml`);
  writeFileSync(
    topology,
    `${base}\ningest:\n  mqtt:\n    url: ${url}\n    clientId: ${clientId}\n    subscriptions:\n` +
      `      - filter: ${prefix}/+/+\n        tag: "{1}.{2}"\n`,
  );
  await makeSession(url, clientId, `${prefix}/+/+`);
  await publishBacklog(url, prefix, round * N);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []),
      join(ROOT, 'bin/shiftstream.js'),
      'ingest',
      '--topology',
      topology,
      '--spool',
      join(work, `spool-${round}`),
      '--rejects',
      join(work, `rejects-${round}.ndjson`),
      `--http.port=${port}`,
      '--log-level',
      'warn',
    ],
    {
      env: {
        ...process.env,
        ...infraEnv(),
        ...(client === undefined ? {} : { SHIFTSTREAM_KAFKA__INGEST_CLIENT: client }),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    // The first sample in (polled every 20 ms) starts the clock, the N-th sample out stops it.
    const firstAt = await until(
      'ingest: first sample in',
      async () => ((await scrape(port, 'shiftstream_ingest_samples_in_total'))[0] > 0 ? performance.now() : undefined),
      120_000,
    );
    const cpu0 = procSample(child.pid).cpuMs;
    // Polled at half the time the rate so far says is left (10 ms .. 250 ms): a scrape every 20 ms
    // all along cost ingest about 4 % of its CPU (prom-client renders every metric), which the
    // baseline, counting in its own process, does not pay; the end is still seen within ~10 ms.
    // When the N-th sample came in (spooled and acknowledged; seen at the same polls): how far
    // the intake ran ahead of Kafka.
    let inMs;
    for (;;) {
      const [out, inn] = await scrape(
        port,
        'shiftstream_ingest_samples_out_total',
        'shiftstream_ingest_samples_in_total',
      );
      if (inn >= N) inMs ??= Math.round(performance.now() - firstAt);
      if (out >= N) break;
      const elapsed = performance.now() - firstAt;
      if (elapsed > 900_000) throw new Error('ingest: all out: not reached within 900000 ms');
      const leftMs = out > 0 ? ((N - out) * elapsed) / out : 200;
      await sleep(Math.min(250, Math.max(10, leftMs / 2)));
    }
    const ms = performance.now() - firstAt;
    const cpuMs = procSample(child.pid).cpuMs - cpu0;
    return {
      client: client ?? 'default',
      samples: N,
      ms: Math.round(ms),
      perS: Math.round((N * 1000) / ms),
      cpuMs,
      inMs,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const broker = await startMosquitto();
const rounds = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    // With several clients: each ingest run right after a baseline of its own, the order of the
    // clients alternating per round (a change in the host's load hits both).
    const order = r % 2 === 0 ? [...CLIENTS.entries()] : [...CLIENTS.entries()].reverse();
    for (const [k, client] of order) {
      const b = await baseline(broker.url, `bench/${stamp}/b${r}-${k}`, r * CLIENTS.length + k);
      const i = await ingest(broker.url, `bench/${stamp}/i${r}-${k}`, r * CLIENTS.length + k, client);
      const ratio = i.perS / b.perS;
      rounds.push({ round: r + 1, baseline: b, ingest: i, ratio: Number(ratio.toFixed(3)) });
      const us = (x) => Math.round((x.cpuMs * 1000) / x.samples);
      console.log(
        `round ${r + 1}: baseline ${fmt(b.perS)} samples/s (${us(b)} us CPU each), ingest` +
          `${client === undefined ? '' : ` (${client})`} ${fmt(i.perS)} samples/s (${us(i)} us CPU each, all in ` +
          `after ${i.inMs} of ${i.ms} ms), ratio ${ratio.toFixed(3)}`,
      );
    }
  }
} finally {
  broker.child.kill('SIGTERM');
}
const medianOf = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
const median = medianOf(rounds.map((x) => x.ratio));
const medianByClient = Object.fromEntries(
  CLIENTS.map((c) => [
    c ?? 'default',
    medianOf(rounds.filter((x) => x.ingest.client === (c ?? 'default')).map((x) => x.ratio)),
  ]),
);
const file = writeResult('ingest-mqtt', {
  count: N,
  rounds,
  medianRatio: median,
  medianRatioByClient: medianByClient,
  note: 'ratio = ingest samples/s / bare mqtt.js -> kafkajs pass-through samples/s, same backlog, same run',
});
console.log(`median ratio ${median} ${JSON.stringify(medianByClient)} (${file})`);
