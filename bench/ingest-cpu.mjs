#!/usr/bin/env node
// CPU per message of the MQTT ingest's own logic (issue 11), without mqtt.js and kafkajs:
// runMqttIngest from dist with a source that hands N JSON messages over as MqttJsSource does
// (several in flight, acknowledgements through AckWindow), the real FileSpool (group commit,
// fdatasync) in a temp directory, the local Avro codec, and a sink that keeps nothing.
//   node bench/ingest-cpu.mjs [--count 60000] [--rounds 3]       (after `npm run build`)
// Prints process CPU (user + system) per message and the wall time, each round.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/kafka.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, { options: { count: { type: 'string' }, rounds: { type: 'string' } } });
const N = Number(values.count ?? 60_000);
const ROUNDS = Number(values.rounds ?? 3);
const dist = (p) => import(join(ROOT, 'dist', p));
const { runMqttIngest } = await dist('ingest/mqtt-ingest.js');
const { FileSpool } = await dist('io/spool/file-spool.js');
const { AckWindow } = await dist('io/mqtt/ack-window.js');
const { createLocalCodecs } = await dist('io/avro/codecs.js');
const { loadTopology } = await dist('topology/index.js');
const plan = loadTopology(join(ROOT, 'test/unit/replay/test-plant.yaml')).plant;
const TAGS = ['M1a.HB', 'M2a.HB', 'M3a.HB', 'M4a.HB'];
const T0 = Date.UTC(2026, 2, 2, 6);
const work = mkdtempSync(join(tmpdir(), 'bench-ingest-cpu-'));

async function round(r) {
  let acked = 0;
  let out = 0;
  const source = {
    async start(handler) {
      const w = new AckWindow(2048, () => acked++);
      for (let i = 0; i < N; i++) {
        const settle = w.add(i, 'conn');
        const payload = Buffer.from(JSON.stringify({ ts: T0 + i * 250, value: i }));
        handler({ topic: `p/${TAGS[i % 4].replace('.', '/')}`, payload, qos: 1, dup: false }).then(
          () => settle(true),
          () => settle(false),
        );
        await new Promise((resolve) => w.whenRoom(resolve));
        if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve)); // TCP chunks
      }
    },
    publish: async () => undefined,
    onState: () => undefined,
    close: async () => undefined,
  };
  const sink = {
    open: async () => undefined,
    commit: async (records) => {
      out += records.length;
    },
    close: async () => undefined,
  };
  const spool = await FileSpool.open({ dir: join(work, `spool-${r}`) });
  const ac = new AbortController();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const run = runMqttIngest({
    plan,
    rawTopic: 'raw',
    subscriptions: [{ filter: 'p/+/+', tag: '{1}.{2}', fields: { ts: 'ts', value: 'value', quality: 'quality' } }],
    source,
    spool,
    sink: () => sink,
    codec: createLocalCodecs().raw,
    rejectsFile: join(work, `rejects-${r}.ndjson`),
    inputName: 'mqtt:bench',
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    signal: ac.signal,
  });
  while (acked < N || out < N) await new Promise((resolve) => setTimeout(resolve, 5));
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  ac.abort();
  await run;
  await spool.close();
  return { usPerMessage: Number(((c.user + c.system) / N).toFixed(1)), wallMs: Math.round(ms) };
}

for (let r = 0; r < ROUNDS; r++) {
  const x = await round(r);
  console.log(`round ${r + 1}: ${x.usPerMessage} us CPU per message, ${N} messages in ${x.wallMs} ms`);
}
