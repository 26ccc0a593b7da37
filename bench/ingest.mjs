#!/usr/bin/env node
// Ingest speed (issue 11) besides MQTT (bench/ingest-mqtt.mjs): each figure against a bare kafkajs
// producer of the same records in the same invocation.
//   node bench/ingest.mjs [--part file|spool|drain|all] [--rounds 2] [--file-count 200000]
//        [--spool-count 100000] [--outage-rate 1000] [--outage-s 600] [--drain-shares 1,0.8]
//        (after `npm run build`)
// - file: an NDJSON export of --file-count samples (4 tags). Bare = bench/lib/bare-producer.mjs (a
//   child: read, JSON.parse for the key, idempotent producer, batches of 10,000, the line bytes as the
//   value); ingest = the compiled `shiftstream ingest --input` (parse, mapping, Avro, one
//   transaction per 10,000 lines with the position). Both timed from spawn to exit (Node start,
//   connect and, for ingest, the registry, the topic and the transactional init included).
// - spool: FileSpool (dist) appends of the Avro records of --spool-count samples: one record per
//   append awaited one after the other (one fdatasync each, the old MQTT path), one record per
//   append with up to 2,048 in flight (the MQTT path now: group commit), and appends of 5,000.
//   Bare = kafkajs idempotent producer of the same records, batches of 5,000, acks -1.
// - drain: a 10-minute outage simulated by what it would leave in the spool: --outage-rate x
//   --outage-s samples (Avro, the registry's schema id) written to a spool directory with FileSpool
//   (appends of 5,000: the same segment files an outage leaves), then the compiled `shiftstream
//   ingest` (MQTT, the bench's own Mosquitto, no messages) started on it: timed from its first
//   sample out to the last (samples_out_total on /metrics, polled every 20 ms). Bare = kafkajs
//   idempotent producer of the same records, batches of 5,000, acks -1, in this process. The drain
//   runs once per --drain-shares value (`--drain-share`; 1 = back to back, 0.8 = the default).
// Writes bench/results/ingest.json (machine facts, load, each round).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import { fmt, writeResult } from './lib/env.mjs';
import { brokers, createTopic, infraEnv, ROOT, topicEndTotal } from './lib/kafka.mjs';
import { loadAverage, spawnMeasured } from './lib/proc.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    part: { type: 'string' },
    rounds: { type: 'string' },
    'file-count': { type: 'string' },
    'spool-count': { type: 'string' },
    'outage-rate': { type: 'string' },
    'outage-s': { type: 'string' },
    'drain-shares': { type: 'string' },
  },
});
const PART = values.part ?? 'all';
const ROUNDS = Number(values.rounds ?? 2);
const FILE_N = Number(values['file-count'] ?? 200_000);
const SPOOL_N = Number(values['spool-count'] ?? 100_000);
const OUTAGE_RATE = Number(values['outage-rate'] ?? 1_000);
const OUTAGE_S = Number(values['outage-s'] ?? 600);
const DRAIN_SHARES = (values['drain-shares'] ?? '1,0.8').split(',').map(Number);
const TAGS = ['M1a.HB', 'M2a.HB', 'M3a.HB', 'M4a.HB'];
const T0 = Date.UTC(2026, 2, 2, 6);
const stamp = Date.now().toString(36);
const work = mkdtempSync(join(tmpdir(), 'bench-ingest2-'));
const env = { ...process.env, ...infraEnv() };
const dist = (p) => import(join(ROOT, 'dist', p));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sampleOf = (i) => ({ tag: TAGS[i % 4], tsMs: T0 + Math.floor(i / 4) * 1000, value: i, quality: 'good' });
const perS = (n, ms) => Math.round((n * 1000) / ms);

function topology(plantId, mqttSection = '') {
  const base = readFileSync(join(ROOT, 'test/unit/replay/test-plant.yaml'), 'utf8').replace(
    /^(plant:\s*\n\s+id:\s*)\S+/m,
    `$1${plantId}`,
  );
  const file = join(work, `${plantId}.yaml`);
  writeFileSync(file, `${base}${mqttSection}`);
  return file;
}

async function bareSend(topic, records, batch) {
  await createTopic(topic, 4);
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t = performance.now();
  for (let i = 0; i < records.length; i += batch)
    await producer.send({ topic, acks: -1, messages: records.slice(i, i + batch) });
  const ms = performance.now() - t;
  await producer.disconnect();
  return { records: records.length, ms: Math.round(ms), perS: perS(records.length, ms) };
}

// ---- file ----------------------------------------------------------------------------------
async function fileRound(r, file) {
  const baseTopic = `bench.ingest.${stamp}.file-base${r}`;
  await createTopic(baseTopic, 4);
  let t = performance.now();
  const b = spawnMeasured(process.execPath, [join(ROOT, 'bench/lib/bare-producer.mjs'), file, baseTopic, '10000'], {
    env,
  });
  if ((await b.exited) !== 0) throw new Error(`bare producer failed: ${b.err()}`);
  const bMs = performance.now() - t;
  const bEnd = await topicEndTotal(baseTopic);
  const plantId = `bench-file-${stamp}-${r}`;
  t = performance.now();
  const i = spawnMeasured(
    process.execPath,
    [
      join(ROOT, 'bin/shiftstream.js'),
      'ingest',
      '--topology',
      topology(plantId),
      '--input',
      file,
      '--rejects',
      join(work, `rejects-${r}.ndjson`),
      '--no-progress',
      '--log-level',
      'warn',
    ],
    { env },
  );
  if ((await i.exited) !== 0) throw new Error(`ingest failed: ${i.err()}`);
  const iMs = performance.now() - t;
  const rejects = readFileSync(join(work, `rejects-${r}.ndjson`), 'utf8')
    .split('\n')
    .filter(Boolean).length;
  // Each side's own figure (no Node start, no module load): bare from before its connect, ingest's
  // final line from the start of runFileIngest (producer init and position read included).
  const bOwn = JSON.parse(b.out().trim().split('\n').pop()).ms;
  const iOwn = Number(/, ([\d.]+) s, /.exec(i.out())?.[1] ?? NaN) * 1000;
  return {
    bare: { samples: bEnd, ms: Math.round(bMs), perS: perS(FILE_N, bMs), ownMs: bOwn, ownPerS: perS(FILE_N, bOwn) },
    ingest: {
      samples: FILE_N - rejects,
      rejects,
      ms: Math.round(iMs),
      perS: perS(FILE_N, iMs),
      ownMs: iOwn,
      ownPerS: perS(FILE_N, iOwn),
      out: i.out().trim(),
    },
    ratio: Number((bMs / iMs).toFixed(3)),
    ownRatio: Number((bOwn / iOwn).toFixed(3)),
  };
}

async function filePart() {
  const file = join(work, 'export.ndjson');
  let text = '';
  for (let i = 0; i < FILE_N; i++) {
    const s = sampleOf(i);
    text += `${JSON.stringify({ ts: s.tsMs, tag: s.tag, value: s.value, quality: s.quality })}\n`;
  }
  writeFileSync(file, text);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const x = await fileRound(r, file);
    rounds.push(x);
    console.log(
      `file round ${r + 1}: spawn to exit: bare ${fmt(x.bare.perS)} samples/s (${x.bare.ms} ms), ingest ` +
        `${fmt(x.ingest.perS)} samples/s (${x.ingest.ms} ms, ${x.ingest.rejects} rejects), ratio ${x.ratio}; ` +
        `own figures: bare ${x.bare.ownMs} ms, ingest ${x.ingest.ownMs} ms, ratio ${x.ownRatio}`,
    );
  }
  return rounds;
}

// ---- spool ---------------------------------------------------------------------------------
async function spoolPart() {
  const { FileSpool } = await dist('io/spool/file-spool.js');
  const { createLocalCodecs } = await dist('io/avro/codecs.js');
  const codec = createLocalCodecs().raw;
  const records = Array.from({ length: SPOOL_N }, (_, i) => {
    const s = sampleOf(i);
    return { key: s.tag, value: codec.encode(s) };
  });
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const bare = await bareSend(`bench.ingest.${stamp}.spool-base${r}`, records, 5_000);
    // One record per append, awaited one by one: one fdatasync per record (capped: it is slow).
    const seqN = Math.min(SPOOL_N, 2_000);
    let s = await FileSpool.open({ dir: join(work, `spool-seq-${r}`) });
    let t = performance.now();
    for (let i = 0; i < seqN; i++) await s.append([records[i]]);
    const seqMs = performance.now() - t;
    await s.close();
    // One record per append, up to 2,048 in flight (group commit).
    s = await FileSpool.open({ dir: join(work, `spool-group-${r}`) });
    t = performance.now();
    const inFlight = [];
    for (let i = 0; i < SPOOL_N; i++) {
      inFlight.push(s.append([records[i]]));
      if (inFlight.length >= 2_048) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const groupMs = performance.now() - t;
    await s.close();
    // Appends of 5,000.
    s = await FileSpool.open({ dir: join(work, `spool-bulk-${r}`) });
    t = performance.now();
    for (let i = 0; i < SPOOL_N; i += 5_000) await s.append(records.slice(i, i + 5_000));
    const bulkMs = performance.now() - t;
    await s.close();
    const x = {
      bare,
      oneByOne: { records: seqN, ms: Math.round(seqMs), perS: perS(seqN, seqMs) },
      group: { records: SPOOL_N, ms: Math.round(groupMs), perS: perS(SPOOL_N, groupMs) },
      bulk: { records: SPOOL_N, ms: Math.round(bulkMs), perS: perS(SPOOL_N, bulkMs) },
    };
    x.ratios = {
      oneByOne: Number((x.oneByOne.perS / bare.perS).toFixed(3)),
      group: Number((x.group.perS / bare.perS).toFixed(3)),
      bulk: Number((x.bulk.perS / bare.perS).toFixed(3)),
    };
    rounds.push(x);
    console.log(
      `spool round ${r + 1}: bare producer ${fmt(bare.perS)}/s; spool one-by-one ${fmt(x.oneByOne.perS)}/s ` +
        `(${x.ratios.oneByOne}), group commit ${fmt(x.group.perS)}/s (${x.ratios.group}), ` +
        `appends of 5,000 ${fmt(x.bulk.perS)}/s (${x.ratios.bulk})`,
    );
  }
  return rounds;
}

// ---- drain ---------------------------------------------------------------------------------
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startMosquitto() {
  const port = await freePort();
  const conf = join(work, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `mqtt://127.0.0.1:${port}`;
  for (let k = 0; ; k++) {
    try {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      await c.endAsync();
      return { url, child };
    } catch (err) {
      if (k > 100) throw err;
      await sleep(50);
    }
  }
}

async function scrape(port, name) {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  } catch {
    return 0;
  }
}

async function drainPart() {
  const M = OUTAGE_RATE * OUTAGE_S;
  const { FileSpool } = await dist('io/spool/file-spool.js');
  const { createRegistryCodecs, topologySchemaTopics } = await dist('io/avro/codecs.js');
  const { createRegistryClient } = await dist('io/avro/registry-client.js');
  const { loadTopology } = await dist('topology/index.js');
  const broker = await startMosquitto();
  const rounds = [];
  try {
    for (let k = 0; k < ROUNDS * DRAIN_SHARES.length; k++) {
      const r = Math.floor(k / DRAIN_SHARES.length);
      const share = DRAIN_SHARES[k % DRAIN_SHARES.length];
      const plantId = `bench-drain-${stamp}-${k}`;
      const clientId = `bench-drain-${stamp}-${k}`;
      const file = topology(
        plantId,
        `\ningest:\n  mqtt:\n    url: ${broker.url}\n    clientId: ${clientId}\n    subscriptions:\n` +
          `      - filter: bench/${stamp}/drain/+/+\n        tag: "{1}.{2}"\n`,
      );
      const topo = loadTopology(file);
      const registry = createRegistryClient({ url: env.SHIFTSTREAM_REGISTRY__URL, timeoutMs: 10_000 });
      const { codecs } = await createRegistryCodecs(registry, topologySchemaTopics(topo.topics));
      const records = Array.from({ length: M }, (_, i) => {
        const s = sampleOf(i);
        return { key: s.tag, value: codecs.raw.encode(s) };
      });
      const bare = await bareSend(`bench.ingest.${stamp}.drain-base${k}`, records, 5_000);
      const dir = join(work, `drain-spool-${k}`);
      const spool = await FileSpool.open({ dir });
      let t = performance.now();
      for (let i = 0; i < M; i += 5_000) await spool.append(records.slice(i, i + 5_000));
      const fillMs = performance.now() - t;
      const bytes = spool.stats(Date.now()).bytes;
      await spool.close();
      const port = await freePort();
      t = performance.now();
      const child = spawnMeasured(
        process.execPath,
        [
          join(ROOT, 'bin/shiftstream.js'),
          'ingest',
          '--topology',
          file,
          '--spool',
          dir,
          '--rejects',
          join(work, `drain-rejects-${k}.ndjson`),
          `--http.port=${port}`,
          `--drain-share=${share}`,
          '--log-level',
          'warn',
        ],
        { env },
      );
      let firstAt;
      let firstOut = 0;
      try {
        for (;;) {
          const out = await scrape(port, 'shiftstream_ingest_samples_out_total');
          if (out > 0 && firstAt === undefined) {
            firstAt = performance.now();
            firstOut = out;
          }
          if (out >= M) break;
          if (performance.now() - t > 900_000) throw new Error(`drain: ${out} of ${M} after 900 s`);
          await sleep(20);
        }
      } finally {
        await child.stop('SIGTERM');
      }
      const end = performance.now();
      const drainMs = end - firstAt;
      const x = {
        round: r + 1,
        share,
        outage: { rate: OUTAGE_RATE, seconds: OUTAGE_S, samples: M, spoolBytes: bytes, fillMs: Math.round(fillMs) },
        bare,
        drain: {
          ms: Math.round(drainMs),
          perS: perS(M - firstOut, drainMs),
          fromSpawnMs: Math.round(end - t),
          firstBatch: firstOut,
        },
      };
      x.ratio = Number((x.drain.perS / bare.perS).toFixed(3));
      rounds.push(x);
      console.log(
        `drain round ${r + 1}, share ${share}: ${fmt(M)} samples (${OUTAGE_S} s at ${fmt(OUTAGE_RATE)}/s, ` +
          `${fmt(bytes)} bytes, ` +
          `spooled in ${x.outage.fillMs} ms); bare producer ${fmt(bare.perS)}/s, drain ${fmt(x.drain.perS)}/s ` +
          `(${x.drain.ms} ms after the first batch, ${x.drain.fromSpawnMs} ms from spawn), ratio ${x.ratio}`,
      );
    }
  } finally {
    broker.child.kill('SIGTERM');
  }
  return rounds;
}

const loadBefore = loadAverage();
const result = { loadBefore };
if (PART === 'file' || PART === 'all') result.file = await filePart();
if (PART === 'spool' || PART === 'all') result.spool = await spoolPart();
if (PART === 'drain' || PART === 'all') result.drain = await drainPart();
result.loadAfter = loadAverage();
console.log(`load average before ${loadBefore.join(' ')}, after ${result.loadAfter.join(' ')}`);
console.log(writeResult('ingest', result));
