#!/usr/bin/env node
// The throughput benchmark (issue 7), every scenario side by side in one run, so ratios compare
// figures measured on the same machine, data and load:
//   1. raw ceiling: ConsumerPerformance, bare node-rdkafka, kafkajs and @platformatic/kafka consumers;
//      ceilings: the pass-through of each Node client (consume + produce every record, no decode);
//   2. shiftstream end to end (`shiftstream run`, kafkajs and node-rdkafka) through to the summaries;
//   3. peers: Kafka Streams tuned and untuned (bench/peers, Maven), Flink 2.2 on a mini-cluster
//      (bench/peers/flink), a naive kafkajs eachMessage consumer; their summaries compared window by window;
//   4. critical-lane latency at 50% and 80% of the node-rdkafka end-to-end rate;
//   5. Odoo posting to the stand-in at 20 ms per call;
//   6. growth: 200 / 2,000 / 20,000 machines; 1 against 2 processes in one group;
//   7. core alone (bench/core.mjs, decode + map + windows, one core) for the issue 12 target;
//   and a --cpu-prof profile of one end-to-end run (where the time goes).
//
//   npm run bench        # node bench/run.mjs --short   (<= 5 minutes)
//   npm run bench:full   # node bench/run.mjs --full
//   node bench/run.mjs --short --only raw,ceilings,e2e,peers,latency,odoo,growth,core,profile
//
// Needs a build (npm run build), Java 17+ and Maven (peers). Brings the servers up with
// scripts/infra.mjs (lease) and stops only what it started. Results: bench/results/<scenario>.json
// and .svg, bench/results/summary.md (the table of bench/RESULTS.md).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { down, up } from '../scripts/infra.mjs';
import { dataSet, preload, WORK_DIR } from './lib/data.mjs';
import { machineInfo, writeResult } from './lib/env.mjs';
import { cleanupRun } from './lib/cleanup.mjs';
import { ROOT } from './lib/kafka.mjs';
import { loadAverage } from './lib/proc.mjs';
import { summarizeProfile } from './lib/profile.mjs';
import { runShiftstream } from './lib/shiftstream.mjs';
import { barChart } from './lib/svg.mjs';
import { criticalLaneLatency } from './latency.mjs';
import { odooPosting } from './odoo-posting.mjs';
import { compareSummaries, readSummaries } from './lib/compare.mjs';
import { computesOf, FEATURES, ROWS } from './lib/semantics.mjs';
import {
  bareNodeConsumer,
  buildPeers,
  consumerPerformance,
  flink,
  kafkaStreams,
  naiveKafkaJs,
  passThrough,
} from './peers.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    short: { type: 'boolean' },
    full: { type: 'boolean' },
    only: { type: 'string' },
    samples: { type: 'string' },
    skip: { type: 'string' },
  },
});
const FULL = values.full === true;
const MODE = FULL
  ? {
      name: 'full',
      machines: 2_000,
      samples: 5_000_000,
      latency: { warmupMs: 5_000, measureMs: 30_000 },
      growth: [
        { machines: 200, samples: 1_000_000 },
        { machines: 20_000, samples: 1_000_000 },
      ],
      processes: { machines: 2_000, samples: 1_000_000 },
      profile: { machines: 2_000, samples: 1_000_000, clients: ['rdkafka', 'kafkajs'] },
      odooDays: 7,
      coreSamples: 2_000_000,
    }
  : {
      name: 'short',
      machines: 2_000,
      samples: 400_000,
      latency: { warmupMs: 3_000, measureMs: 8_000 },
      growth: [{ machines: 200, samples: 200_000 }],
      processes: null,
      profile: null,
      odooDays: 7,
      coreSamples: 400_000,
    };
if (values.samples !== undefined) MODE.samples = Number(values.samples);
const ONLY = new Set(
  (values.only ?? `raw,ceilings,e2e,peers,latency,odoo,growth,core,profile${FULL ? ',command' : ''}`).split(','),
);
// --skip: scenarios (growth, profile, ...) or peers (kafkaStreamsUntuned, kafkaStreamsTunedWideGrace, flink,
// naiveKafkaJs) left out of this invocation, e.g. to fit a full run into a shared machine's afternoon.
const SKIP = new Set((values.skip ?? '').split(',').filter(Boolean));
for (const k of SKIP) ONLY.delete(k);
const STAMP = Date.now().toString(36);
const RESULTS = join(ROOT, 'bench', 'results');
const t00 = Date.now();
const log = (s) => process.stdout.write(`[bench ${((Date.now() - t00) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);
const loads = [];
const noteLoad = (step) => loads.push({ step, at: new Date().toISOString(), loadavg: loadAverage() });
const gitHead = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
})();
const r = { mode: MODE.name, stamp: STAMP, gitHead };

async function step(name, fn) {
  noteLoad(`${name} start`);
  // What is measured so far (the previous step's result is assigned by now), so a run stopped half-way
  // still leaves its figures.
  writeResult(`run-${MODE.name}-partial`, { ...r, loads, nextStep: name });
  const t = Date.now();
  const out = await fn();
  noteLoad(`${name} end`);
  log(`${name}: done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return out;
}

const ratio = (a, b) => (a && b ? +(a / b).toFixed(2) : null);
const fmt = (n) => (n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));

const cleanup = () => cleanupRun(STAMP, log);
const WIDE_GRACE_MS = 600_000;
const PEER_NAMES = {
  kafkaStreamsTuned: 'Kafka Streams 4.4, tuned (2 threads, store cache on), grace 5 s',
  kafkaStreamsUntuned: 'Kafka Streams 4.4, untuned (earlier runs: store uncached), grace 5 s',
  kafkaStreamsTunedWideGrace: `Kafka Streams 4.4, tuned, grace ${WIDE_GRACE_MS / 60_000} min (all samples in windows)`,
  flink: 'Flink 2.2.1 mini-cluster, parallelism 2',
  naiveKafkaJs: 'naive kafkajs eachMessage',
};
const CLIENT_NAMES = { rdkafka: 'node-rdkafka', kafkajs: 'kafkajs', platformatic: '@platformatic/kafka' };
/** The end-to-end runs: each client on the two-stage path and on the fused path (run.fused=on). */
const E2E_VARIANTS = {
  kafkajs: { client: 'kafkajs' },
  rdkafka: { client: 'rdkafka' },
  kafkajsFused: { client: 'kafkajs', env: { SHIFTSTREAM_RUN__FUSED: 'on' } },
  rdkafkaFused: { client: 'rdkafka', env: { SHIFTSTREAM_RUN__FUSED: 'on' } },
};
const E2E_NAMES = {
  rdkafka: 'node-rdkafka',
  kafkajs: 'kafkajs',
  rdkafkaFused: 'node-rdkafka, fused',
  kafkajsFused: 'kafkajs, fused',
};

log(`mode ${MODE.name}: ${MODE.samples} samples of ${MODE.machines} machines; load average ${loadAverage().join(' ')}`);
const infra = await up({ lease: true });
log(`servers: started by this run: ${infra.started.join(', ') || 'none'}`);
let failed = false;
try {
  mkdirSync(RESULTS, { recursive: true });
  const classpath =
    ONLY.has('raw') || ONLY.has('peers') ? await step('maven', () => buildPeers(log)) : { streams: '', flink: '' };
  const main = dataSet(MODE.machines, MODE.samples);
  r.data = await step('preload', () => preload(main, log));

  if (ONLY.has('raw')) {
    r.raw = await step('raw ceiling', async () => ({
      consumerPerformance: await consumerPerformance(classpath.streams, main),
      bareRdkafka: await bareNodeConsumer('rdkafka', main),
      bareKafkaJs: await bareNodeConsumer('kafkajs', main),
      barePlatformatic: await bareNodeConsumer('platformatic', main),
    }));
    log(
      `raw: ConsumerPerformance ${fmt(r.raw.consumerPerformance.eventsPerSec)}/s, node-rdkafka ` +
        `${fmt(r.raw.bareRdkafka.eventsPerSec)}/s, kafkajs ${fmt(r.raw.bareKafkaJs.eventsPerSec)}/s, ` +
        `@platformatic/kafka ${fmt(r.raw.barePlatformatic.eventsPerSec)}/s`,
    );
    writeResult('raw-ceiling', { mode: MODE.name, data: main, ...r.raw, loads });
  }
  if (ONLY.has('ceilings')) {
    r.ceilings = { passThrough: {} };
    for (const client of ['rdkafka', 'kafkajs', 'platformatic'])
      r.ceilings.passThrough[client] = await step(`pass-through ${client}`, () =>
        passThrough(client, main, `${STAMP}-pass`),
      );
    log(
      `pass-through: ${Object.entries(r.ceilings.passThrough)
        .map(([c, x]) => `${c} ${fmt(x.eventsPerSec)}/s`)
        .join(', ')}`,
    );
  }
  if (ONLY.has('e2e')) {
    r.e2e = {};
    // Each client on the two-stage path (the default) and on the fused path (run.fused=on: map and
    // windows in one process, no enriched read-back; docs/architecture.md "Fused path").
    for (const [key, v] of Object.entries(E2E_VARIANTS)) {
      if (SKIP.has(key)) continue;
      r.e2e[key] = {
        ...computesOf('shiftstream'),
        ...(await step(`e2e ${key}`, () =>
          runShiftstream({ ds: main, runId: `${STAMP}-e2e-${key}`, client: v.client, env: v.env, log }),
        )),
        client: v.client,
        path: v.env ? 'fused' : 'two-stage',
      };
      log(
        `e2e ${key}: ${fmt(r.e2e[key].eventsPerSec)} events/s, ` +
          `${r.e2e[key].cpuUsPerEvent} µs CPU/event, RSS ${r.e2e[key].rssPeakMiB} MiB`,
      );
    }
  }
  if (ONLY.has('peers')) {
    const peerRuns = {
      kafkaStreamsTuned: () => kafkaStreams(classpath.streams, main, `${STAMP}-streams-tuned`, { variant: 'tuned' }),
      kafkaStreamsUntuned: () =>
        kafkaStreams(classpath.streams, main, `${STAMP}-streams-untuned`, { variant: 'untuned' }),
      // Same tuning, a grace wide enough for the raw partitions' skew while the topic is read from the start:
      // Kafka Streams cannot align partitions, so this is how it gets (nearly) every sample into a window.
      kafkaStreamsTunedWideGrace: () =>
        kafkaStreams(classpath.streams, main, `${STAMP}-streams-wide`, { variant: 'tuned', graceMs: WIDE_GRACE_MS }),
      flink: () => flink(classpath.flink, main, `${STAMP}-flink`),
      naiveKafkaJs: () => naiveKafkaJs(main, `${STAMP}-naive`),
    };
    r.peers = {};
    for (const [k, run] of Object.entries(peerRuns)) if (!SKIP.has(k)) r.peers[k] = await step(`peer ${k}`, run);
    log(
      `peers: ${Object.entries(r.peers)
        .map(([k, x]) => `${k} ${fmt(x.eventsPerSec)}/s`)
        .join(', ')}`,
    );
    // Same windows? Every Kafka Streams configuration against Flink, which applies every sample (aligned
    // watermarks, re-ordering) and closes every window at the end of its bounded input.
    if (r.peers.flink)
      r.peersAgreement = await step('compare peer outputs', async () => {
        const reference = await readSummaries(r.peers.flink.outputTopic);
        const out = { reference: 'flink' };
        for (const k of ['kafkaStreamsTuned', 'kafkaStreamsUntuned', 'kafkaStreamsTunedWideGrace'])
          if (r.peers[k]) out[k] = compareSummaries(reference, await readSummaries(r.peers[k].outputTopic));
        return out;
      });
  }
  if (r.e2e || r.raw || r.peers || r.ceilings) {
    const e = r.e2e ?? {};
    // The tuned Kafka Streams bar is the faster of its two graces (the 5 s one drops samples: peersAgreement).
    const ksRates = [r.peers?.kafkaStreamsTuned, r.peers?.kafkaStreamsTunedWideGrace].map((x) => x?.eventsPerSec ?? 0);
    const ks = Math.max(...ksRates) || undefined;
    const fl = r.peers?.flink?.eventsPerSec;
    const pass = r.ceilings?.passThrough ?? {};
    // The best e2e row of any client and path (two-stage or fused).
    const bestClient =
      Object.entries(e)
        .filter(([, x]) => x?.eventsPerSec)
        .sort(([, a], [, b]) => b.eventsPerSec - a.eventsPerSec)[0]?.[0] ?? null;
    const best = bestClient ? e[bestClient].eventsPerSec : undefined;
    r.ratios = {
      bestClient,
      bestVsKafkaStreamsTuned: ratio(best, ks),
      bestVsFlink: ratio(best, fl),
      bestVsPassThrough: bestClient ? ratio(best, pass[E2E_VARIANTS[bestClient].client]?.eventsPerSec) : undefined,
      rdkafkaVsPassThroughRdkafka: ratio(e.rdkafka?.eventsPerSec, pass.rdkafka?.eventsPerSec),
      kafkajsVsPassThroughKafkaJs: ratio(e.kafkajs?.eventsPerSec, pass.kafkajs?.eventsPerSec),
      rdkafkaFusedVsPassThroughRdkafka: ratio(e.rdkafkaFused?.eventsPerSec, pass.rdkafka?.eventsPerSec),
      kafkajsFusedVsPassThroughKafkaJs: ratio(e.kafkajsFused?.eventsPerSec, pass.kafkajs?.eventsPerSec),
      rdkafkaFusedVsKafkaStreamsTuned: ratio(e.rdkafkaFused?.eventsPerSec, ks),
      kafkajsFusedVsKafkaStreamsTuned: ratio(e.kafkajsFused?.eventsPerSec, ks),
      rdkafkaFusedVsFlink: ratio(e.rdkafkaFused?.eventsPerSec, fl),
      kafkajsFusedVsFlink: ratio(e.kafkajsFused?.eventsPerSec, fl),
      rdkafkaFusedVsTwoStage: ratio(e.rdkafkaFused?.eventsPerSec, e.rdkafka?.eventsPerSec),
      kafkajsFusedVsTwoStage: ratio(e.kafkajsFused?.eventsPerSec, e.kafkajs?.eventsPerSec),
      rdkafkaVsKafkaStreamsTuned: ratio(e.rdkafka?.eventsPerSec, r.peers?.kafkaStreamsTuned?.eventsPerSec),
      kafkajsVsKafkaStreamsTuned: ratio(e.kafkajs?.eventsPerSec, r.peers?.kafkaStreamsTuned?.eventsPerSec),
      rdkafkaVsFlink: ratio(e.rdkafka?.eventsPerSec, fl),
      kafkajsVsFlink: ratio(e.kafkajs?.eventsPerSec, fl),
      rdkafkaVsKafkaStreamsTunedWideGrace: ratio(
        e.rdkafka?.eventsPerSec,
        r.peers?.kafkaStreamsTunedWideGrace?.eventsPerSec,
      ),
      kafkajsVsKafkaStreamsTunedWideGrace: ratio(
        e.kafkajs?.eventsPerSec,
        r.peers?.kafkaStreamsTunedWideGrace?.eventsPerSec,
      ),
      rdkafkaVsKafkaStreamsUntuned: ratio(e.rdkafka?.eventsPerSec, r.peers?.kafkaStreamsUntuned?.eventsPerSec),
      kafkajsVsKafkaStreamsUntuned: ratio(e.kafkajs?.eventsPerSec, r.peers?.kafkaStreamsUntuned?.eventsPerSec),
      rdkafkaVsRawRdkafka: ratio(e.rdkafka?.eventsPerSec, r.raw?.bareRdkafka?.eventsPerSec),
      kafkajsVsRawKafkaJs: ratio(e.kafkajs?.eventsPerSec, r.raw?.bareKafkaJs?.eventsPerSec),
      rdkafkaVsConsumerPerformance: ratio(e.rdkafka?.eventsPerSec, r.raw?.consumerPerformance?.eventsPerSec),
      rdkafkaVsNaiveKafkaJs: ratio(e.rdkafka?.eventsPerSec, r.peers?.naiveKafkaJs?.eventsPerSec),
      kafkajsVsNaiveKafkaJs: ratio(e.kafkajs?.eventsPerSec, r.peers?.naiveKafkaJs?.eventsPerSec),
      // The peers among themselves, and what the pass-through costs each client against its bare consume.
      kafkaStreamsTunedVsUntuned: ratio(
        r.peers?.kafkaStreamsTuned?.eventsPerSec,
        r.peers?.kafkaStreamsUntuned?.eventsPerSec,
      ),
      flinkVsKafkaStreamsTuned: ratio(fl, r.peers?.kafkaStreamsTuned?.eventsPerSec),
      passThroughVsBareRdkafka: ratio(pass.rdkafka?.eventsPerSec, r.raw?.bareRdkafka?.eventsPerSec),
      passThroughVsBareKafkaJs: ratio(pass.kafkajs?.eventsPerSec, r.raw?.bareKafkaJs?.eventsPerSec),
      passThroughVsBarePlatformatic: ratio(pass.platformatic?.eventsPerSec, r.raw?.barePlatformatic?.eventsPerSec),
    };
    writeResult('throughput', {
      mode: MODE.name,
      data: main,
      raw: r.raw,
      e2e: r.e2e,
      ceilings: r.ceilings,
      peers: r.peers,
      peersAgreement: r.peersAgreement,
      ratios: r.ratios,
      features: FEATURES,
      loads,
    });
    const bars = [
      r.raw && { label: 'raw: Kafka ConsumerPerformance', value: r.raw.consumerPerformance.eventsPerSec },
      r.raw && { label: 'raw: bare node-rdkafka', value: r.raw.bareRdkafka.eventsPerSec },
      r.raw && { label: 'raw: bare kafkajs (eachBatch)', value: r.raw.bareKafkaJs.eventsPerSec },
      r.raw && { label: 'raw: bare @platformatic/kafka', value: r.raw.barePlatformatic.eventsPerSec },
      ...Object.entries(pass).map(([c, x]) => ({ label: `pass-through: ${CLIENT_NAMES[c]}`, value: x.eventsPerSec })),
      ...Object.entries(e).map(([k, x]) => ({
        label: `shiftstream run (${E2E_NAMES[k]})`,
        value: x.eventsPerSec,
        highlight: true,
      })),
      ...Object.entries(r.peers ?? {}).map(([k, x]) => ({ label: `peer: ${PEER_NAMES[k]}`, value: x.eventsPerSec })),
    ].filter(Boolean);
    barChart({
      file: join(RESULTS, 'throughput.svg'),
      title: `Throughput, ${fmt(main.count)} Avro samples of ${fmt(main.machines)} machines (${MODE.name})`,
      subtitle:
        `${machineInfo().cpu}, ${machineInfo().cores} cores, Node ` +
        `${process.version}; load average at start ${loads[0]?.loadavg.join(' ')}`,
      unit: 'events/s',
      bars,
    });
  }
  if (ONLY.has('latency')) {
    const maxRate = r.e2e?.rdkafka?.eventsPerSec;
    if (maxRate === undefined)
      log('latency: skipped (needs the node-rdkafka end-to-end rate of this run: --only e2e,latency)');
    else {
      r.latency = await step('latency', () =>
        criticalLaneLatency({
          machines: MODE.machines,
          maxRate,
          shares: [0.5, 0.8],
          ...MODE.latency,
          runId: `${STAMP}-latency`,
          log,
        }),
      );
      writeResult('latency', { mode: MODE.name, ...r.latency, loads });
      barChart({
        file: join(RESULTS, 'latency.svg'),
        title: 'Critical lane: produce -> milestones topic (node-rdkafka)',
        subtitle: `max rate ${fmt(maxRate)} events/s measured in the same run`,
        unit: 'ms',
        bars: r.latency.levels.flatMap((l) => [
          { label: `${l.share * 100}% load: p50`, value: l.p50Ms },
          { label: `${l.share * 100}% load: p99`, value: l.p99Ms, highlight: true },
          { label: `${l.share * 100}% load: max`, value: l.maxMs },
        ]),
      });
    }
  }
  if (ONLY.has('odoo')) {
    r.odoo = await step('odoo', () =>
      odooPosting({ machines: 20, days: MODE.odooDays, latencyMs: 20, batchCounts: [500, 1], log }),
    );
    writeResult('odoo-posting', { mode: MODE.name, ...r.odoo, loads });
    barChart({
      file: join(RESULTS, 'odoo-posting.svg'),
      title: 'Odoo posting to the stand-in, 20 ms per call',
      unit: 'records/s',
      bars: r.odoo.runs.map((x) => ({
        label: `batch count ${x.batchCount}`,
        value: x.recordsPerSec,
        note: `(${x.callsPer1000Records} calls / 1,000 records)`,
        highlight: x.batchCount > 1,
      })),
    });
  }
  if (ONLY.has('growth')) {
    const rows = [];
    for (const g of MODE.growth) {
      const ds = dataSet(g.machines, g.samples);
      await step(`preload ${g.machines}`, () => preload(ds, log));
      rows.push(
        await step(`growth ${g.machines}`, () =>
          runShiftstream({ ds, runId: `${STAMP}-growth-${g.machines}`, client: 'rdkafka', log }),
        ),
      );
    }
    if (r.e2e?.rdkafka) rows.push(r.e2e.rdkafka);
    rows.sort((a, b) => a.machines - b.machines);
    let processes = null;
    if (MODE.processes) {
      const ds = dataSet(MODE.processes.machines, MODE.processes.samples);
      await step('preload processes', () => preload(ds, log));
      processes = [];
      for (const n of [1, 2])
        processes.push(
          await step(`processes ${n}`, () =>
            runShiftstream({ ds, runId: `${STAMP}-proc-${n}`, client: 'rdkafka', processes: n, log }),
          ),
        );
    }
    r.growth = {
      machines: rows.map((x) => ({
        machines: x.machines,
        records: x.records,
        eventsPerSec: x.eventsPerSec,
        cpuUsPerEvent: x.cpuUsPerEvent,
        rssPeakMiB: x.rssPeakMiB,
      })),
      processes:
        processes?.map((x) => ({
          processes: x.processes,
          records: x.records,
          eventsPerSec: x.eventsPerSec,
          cpuUsPerEvent: x.cpuUsPerEvent,
          rssPeakMiB: x.rssPeakMiB,
        })) ?? null,
    };
    writeResult('growth', { mode: MODE.name, ...r.growth, loads });
    barChart({
      file: join(RESULTS, 'growth.svg'),
      title: 'shiftstream run (node-rdkafka): growth',
      unit: 'events/s',
      bars: [
        ...r.growth.machines.map((x) => ({
          label: `${fmt(x.machines)} machines`,
          value: x.eventsPerSec,
          note: `(RSS ${x.rssPeakMiB} MiB)`,
        })),
        ...(r.growth.processes ?? []).map((x) => ({
          label: `${x.processes} process(es), one group`,
          value: x.eventsPerSec,
          note: `(RSS ${x.rssPeakMiB} MiB total)`,
          highlight: true,
        })),
      ],
    });
  }
  if (ONLY.has('core')) {
    // The core alone (decode + map + windows, one thread, no Kafka): bench/core.mjs in a child of its own.
    r.core = await step('core', async () => {
      const args = ['--expose-gc', join(ROOT, 'bench', 'core.mjs'), '--samples', String(MODE.coreSamples)];
      execFileSync(process.execPath, [...args, '--modes', 'decode,decode+core'], { cwd: ROOT, stdio: 'ignore' });
      const { results, params } = JSON.parse(readFileSync(join(RESULTS, 'core.json'), 'utf8'));
      return { params, decode: results.decode, decodeCore: results['decode+core'] };
    });
    log(`core: decode + map + windows ${fmt(r.core.decodeCore.eventsPerSec)} events/s on one core`);
  }
  if (ONLY.has('profile') && (MODE.profile || values.only !== undefined)) {
    const pm = MODE.profile ?? { machines: MODE.machines, samples: MODE.samples, clients: ['rdkafka', 'kafkajs'] };
    const ds = dataSet(pm.machines, pm.samples);
    await step('preload profile', () => preload(ds, log));
    const dir = join(WORK_DIR, 'profiles', STAMP);
    mkdirSync(dir, { recursive: true });
    r.profile = {};
    for (const client of pm.clients) {
      const runId = `${STAMP}-profile-${client}`;
      const run = await step(`profile ${client}`, () => runShiftstream({ ds, runId, client, cpuProfDir: dir, log }));
      const file = readdirSync(dir).find((f) => f.startsWith(runId) && f.endsWith('.cpuprofile'));
      r.profile[client] = {
        run: { eventsPerSec: run.eventsPerSec, records: run.records, machines: run.machines },
        file: file ? join(dir, file) : null,
        ...(file ? summarizeProfile(join(dir, file)) : {}),
      };
    }
    writeResult('profile', { mode: MODE.name, ...r.profile });
  }
  if (ONLY.has('command')) {
    // The benchmark's child against the real `shiftstream run` command on a small plant (whose lint
    // is quick), back to back: shows the child measures what the command does.
    const ds = dataSet(200, FULL ? 1_000_000 : 200_000);
    await step('preload command', () => preload(ds, log));
    const viaRun = await step('command: shiftstream run', () =>
      runShiftstream({ ds, runId: `${STAMP}-cmd-run`, client: 'rdkafka', command: 'run', log }),
    );
    const viaChild = await step('command: bench child', () =>
      runShiftstream({ ds, runId: `${STAMP}-cmd-child`, client: 'rdkafka', log }),
    );
    r.command = {
      shiftstreamRun: viaRun,
      benchChild: viaChild,
      ratio: ratio(viaChild.eventsPerSec, viaRun.eventsPerSec),
    };
    writeResult('command-check', { mode: MODE.name, ...r.command, loads });
  }
  const summary = summaryTable();
  writeFileSync(join(RESULTS, `summary-${MODE.name}.md`), summary);
  process.stdout.write(`\n${summary}\n`);
  writeResult(`run-${MODE.name}`, { ...r, loads, wallSeconds: Math.round((Date.now() - t00) / 1000) });
} catch (err) {
  failed = true;
  process.stderr.write(`[bench] FAILED: ${err.stack ?? err}\n`);
} finally {
  await cleanup().catch((err) => log(`cleanup: ${err.message}`));
  await down({ lease: true }).catch((err) => log(`infra down: ${err.message}`));
  log(`finished in ${((Date.now() - t00) / 1000).toFixed(0)} s`);
}
process.exit(failed ? 1 : 0);

function summaryTable() {
  const m = machineInfo();
  const L = [];
  const n = (v) => v ?? 'n/a';
  L.push(
    `Mode ${MODE.name}, ${new Date().toISOString()}, commit ${gitHead ?? 'unknown'} ` +
      `(dist built from the working tree): ${m.cpu}, ${m.cores} cores, ` +
      `${m.memGiB} GiB, Node ${m.node}, ${String(m.java).split('\n')[0]}.`,
  );
  L.push(
    `Load average during the run (1/5/15 min): ${loads.map((l) => `${l.step} ${l.loadavg.join('/')}`).join('; ')}.`,
  );
  L.push('');
  L.push('| run | events/s | CPU µs/event | peak RSS MiB | ratio |');
  L.push('|---|---|---|---|---|');
  const row = (name, x, ratioText = '') =>
    L.push(
      `| ${name} | ${fmt(x?.eventsPerSec)} | ${x?.cpuUsPerEvent ?? 'n/a'} | ` +
        `${x?.rssPeakKb ? Math.round(x.rssPeakKb / 1024) : 'n/a'} | ${ratioText} |`,
    );
  const q = r.ratios ?? {};
  if (r.raw) {
    row('raw: Kafka ConsumerPerformance (fetch rate)', r.raw.consumerPerformance);
    row('raw: bare node-rdkafka consume(1000)', r.raw.bareRdkafka);
    row('raw: bare kafkajs eachBatch', r.raw.bareKafkaJs);
    row('raw: bare @platformatic/kafka stream', r.raw.barePlatformatic);
  }
  const pass = r.ceilings?.passThrough ?? {};
  const bareOf = { rdkafka: 'bareRdkafka', kafkajs: 'bareKafkaJs', platformatic: 'barePlatformatic' };
  for (const [client, x] of Object.entries(pass))
    row(
      `ceiling: pass-through, ${CLIENT_NAMES[client]}`,
      x,
      `${n(ratio(x.eventsPerSec, r.raw?.[bareOf[client]]?.eventsPerSec))} of its bare consume`,
    );
  for (const [key, x] of Object.entries(r.e2e ?? {})) {
    const c = E2E_VARIANTS[key].client;
    const p = x.path === 'fused' ? key : c; // ratio keys: rdkafkaVs..., rdkafkaFusedVs...
    const passKey = `${p}VsPassThrough${c === 'rdkafka' ? 'Rdkafka' : 'KafkaJs'}`;
    const extra =
      x.path === 'fused'
        ? `${n(q[`${key}VsTwoStage`])}x its two-stage run`
        : `${n(q[`${c}VsKafkaStreamsUntuned`])}x untuned; ${n(q[`${c}VsNaiveKafkaJs`])}x naive`;
    row(
      `**shiftstream run, ${E2E_NAMES[key]}**`,
      x,
      `${n(q[passKey])} of its pass-through; ${n(q[`${p}VsKafkaStreamsTuned`])}x Kafka Streams tuned; ` +
        `${n(q[`${p}VsFlink`])}x Flink; ${extra}`,
    );
  }
  if (r.peers) {
    const notes = {
      kafkaStreamsUntuned: `tuned is ${n(q.kafkaStreamsTunedVsUntuned)}x this`,
      flink: `${n(q.flinkVsKafkaStreamsTuned)}x KS tuned`,
    };
    for (const [k, x] of Object.entries(r.peers)) row(`peer: ${PEER_NAMES[k]}`, x, notes[k] ?? '');
  }
  if (r.peers) {
    const cols = ['shiftstream', 'kafkaStreamsTuned', 'flink', 'naiveKafkaJs'];
    L.push('');
    L.push('What each row computes (the three Kafka Streams configurations differ only in settings and grace):');
    L.push('');
    L.push(`| | ${cols.map((c) => ROWS[c].label).join(' | ')} |`);
    L.push(`|---|${cols.map(() => '---').join('|')}|`);
    for (const [f, text] of Object.entries(FEATURES))
      L.push(`| ${text} | ${cols.map((c) => ROWS[c].computes[f]).join(' | ')} |`);
  }
  if (r.peersAgreement) {
    const pa = r.peersAgreement;
    const any = pa.kafkaStreamsTuned ?? pa.kafkaStreamsTunedWideGrace ?? pa.kafkaStreamsUntuned;
    L.push('');
    L.push(
      `Windows compared with Flink's (${fmt(any?.referenceWindows)} windows holding ` +
        `${fmt(any?.referenceSamples)} of the ${fmt(MODE.samples)} samples; lib/compare.mjs). A window ` +
        `still open at the end of the input is not emitted: with a wide grace that is the last minutes.`,
    );
    L.push('');
    L.push('| peer | windows closed | samples in them | windows in common | identical | duplicates |');
    L.push('|---|---|---|---|---|---|');
    for (const k of ['kafkaStreamsTuned', 'kafkaStreamsUntuned', 'kafkaStreamsTunedWideGrace']) {
      const c = pa[k];
      if (c === undefined) continue;
      const name = PEER_NAMES[k];
      L.push(
        `| ${name} | ${fmt(c.otherWindows)} | ${fmt(c.otherSamples)} | ${fmt(c.common)} | ` +
          `${fmt(c.identical)} | ${c.duplicates.other} |`,
      );
    }
  }
  if (r.peers?.kafkaStreamsTuned?.config) {
    L.push('');
    L.push(
      `Kafka Streams tuned, effective settings: ${Object.entries(r.peers.kafkaStreamsTuned.config)
        .map(([k, v]) => `\`${k}=${v}\``)
        .join(', ')}.`,
    );
  }
  if (r.latency) {
    L.push('');
    L.push(
      '| critical lane (node-rdkafka, live) | telemetry events/s | extra milestones/s | milestones n | p50 ms | ' +
        'p90 ms | p99 ms | max ms |',
    );
    L.push('|---|---|---|---|---|---|---|---|');
    for (const l of r.latency.levels)
      L.push(
        `| ${l.share * 100}% of ${fmt(r.latency.maxRate)} | ${fmt(l.actualRate)} | ${l.extraMilestoneRate} | ` +
          `${l.milestones} | ${l.p50Ms ?? 'n/a'} | ${l.p90Ms ?? 'n/a'} | ` +
          `${l.p99Ms ?? 'n/a'}${l.p99IsMax ? ' (n < 100: the max)' : ''} | ${l.maxMs ?? 'n/a'} |`,
      );
  }
  if (r.odoo) {
    L.push('');
    L.push('| Odoo posting (stand-in, 20 ms per call) | records | records/s | calls per 1,000 records |');
    L.push('|---|---|---|---|');
    for (const x of r.odoo.runs)
      L.push(`| batch count ${x.batchCount} | ${x.records} | ${fmt(x.recordsPerSec)} | ${x.callsPer1000Records} |`);
  }
  if (r.growth) {
    L.push('');
    L.push('| growth (node-rdkafka) | samples | events/s | CPU µs/event | peak RSS MiB |');
    L.push('|---|---|---|---|---|');
    for (const x of r.growth.machines)
      L.push(
        `| ${fmt(x.machines)} machines | ${fmt(x.records)} | ` +
          `${fmt(x.eventsPerSec)} | ${x.cpuUsPerEvent} | ${x.rssPeakMiB} |`,
      );
    for (const x of r.growth.processes ?? [])
      L.push(
        `| ${x.processes} process(es), 2,000 machines | ${fmt(x.records)} | ` +
          `${fmt(x.eventsPerSec)} | ${x.cpuUsPerEvent} | ${x.rssPeakMiB} (sum) |`,
      );
  }
  if (r.command) {
    L.push('');
    L.push(
      `Cross-check, 200 machines, ${fmt(r.command.shiftstreamRun.records)} samples, node-rdkafka: ` +
        `\`shiftstream run\` ${fmt(r.command.shiftstreamRun.eventsPerSec)} events/s ` +
        `(${r.command.shiftstreamRun.cpuUsPerEvent} µs CPU/event), the benchmark's child ` +
        `${fmt(r.command.benchChild.eventsPerSec)} events/s ` +
        `(${r.command.benchChild.cpuUsPerEvent} µs): ratio ${r.command.ratio}.`,
    );
  }
  for (const [client, p] of Object.entries(r.profile ?? {})) {
    if (!p.byArea) continue;
    L.push('');
    L.push(
      `Profile of the measured run (V8 CPU profiler, ${client}, ${fmt(p.run.records)} ` +
        `samples at ${fmt(p.run.eventsPerSec)} events/s; main thread busy ${fmt(p.busyMs)} ms):`,
    );
    L.push('');
    L.push('| area (self time) | ms | % of busy |');
    L.push('|---|---|---|');
    for (const a of p.byArea.slice(0, 12)) L.push(`| ${a.area} | ${fmt(a.ms)} | ${a.pct} |`);
    L.push('');
    L.push('| top self-time functions | ms | % of busy |');
    L.push('|---|---|---|');
    for (const f of p.topFunctions) L.push(`| \`${f.fn}\` | ${fmt(f.ms)} | ${f.pct} |`);
  }
  const t = [];
  const verdict = (ok, text) => `${ok ? 'MET' : 'MISSED'} (${text})`;
  const lat80 = r.latency?.levels.find((l) => l.share === 0.8);
  t.push(
    `- end to end, best client >= 1.5x tuned Kafka Streams (the faster grace) and >= 1.5x Flink: ${
      q.bestVsKafkaStreamsTuned == null || q.bestVsFlink == null
        ? 'not measured'
        : verdict(
            q.bestVsKafkaStreamsTuned >= 1.5 && q.bestVsFlink >= 1.5,
            `${E2E_NAMES[q.bestClient]}: ${q.bestVsKafkaStreamsTuned}x Kafka Streams tuned, ${q.bestVsFlink}x Flink`,
          )
    }`,
  );
  for (const [client, key] of [
    ['rdkafka', 'rdkafkaVsPassThroughRdkafka'],
    ['kafkajs', 'kafkajsVsPassThroughKafkaJs'],
    ['rdkafkaFused', 'rdkafkaFusedVsPassThroughRdkafka'],
    ['kafkajsFused', 'kafkajsFusedVsPassThroughKafkaJs'],
  ])
    t.push(
      `- end to end >= 0.7 of the pass-through ceiling, ${E2E_NAMES[client]}: ${
        q[key] == null ? 'not measured' : verdict(q[key] >= 0.7, String(q[key]))
      }`,
    );
  t.push(
    `- core alone (decode + map + windows) >= 3M events/s on one core: ${
      r.core?.decodeCore
        ? verdict(r.core.decodeCore.eventsPerSec >= 3_000_000, `${fmt(r.core.decodeCore.eventsPerSec)} events/s`)
        : 'not measured'
    }`,
  );
  t.push(
    `- critical-lane p99 <= 25 ms at 80% load: ${
      lat80
        ? verdict(
            lat80.p99Ms !== null && lat80.p99Ms <= 25,
            `${lat80.p99Ms} ms at ${fmt(lat80.actualRate)}/s, n ${lat80.milestones}`,
          )
        : 'not measured'
    }`,
  );
  const g200 = r.growth?.machines.find((x) => x.machines === 200);
  const g20k = r.growth?.machines.find((x) => x.machines === 20_000);
  t.push(
    `- 20,000 machines in one process: <= 1 GiB RSS and >= 0.8 of the 200-machine rate: ${
      g200 && g20k
        ? verdict(
            g20k.rssPeakMiB <= 1024 && g20k.eventsPerSec >= 0.8 * g200.eventsPerSec,
            `${g20k.rssPeakMiB} MiB, ${ratio(g20k.eventsPerSec, g200.eventsPerSec)} of the rate`,
          )
        : 'not measured (full mode)'
    }`,
  );
  t.push('- checkpoint stall <= 10 ms, lint of 2,000 machines <= 2 s: not measured by this benchmark');
  L.push('');
  L.push('Targets (issue 12):');
  L.push(...t);
  return `${L.join('\n')}\n`;
}
