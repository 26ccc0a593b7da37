// The ceilings and peers measured on the same pre-loaded topic: Kafka's ConsumerPerformance (from
// kafka-tools, the broker's version), bare node-rdkafka, kafkajs and @platformatic/kafka consumers
// (raw-consumer.mjs), the pass-through ceiling of each Node client (pass-through.mjs), the Kafka Streams
// application in two configurations (peers/StreamsPeer.java), the Flink job (peers/flink/FlinkPeer.java)
// and the naive kafkajs eachMessage consumer (peers/naive-kafkajs.mjs). Each runs in its own process,
// one after the other.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { brokers, createTopic, infraEnv, KEEP_EVENT_TIME, ROOT, topicEndTotal } from './lib/kafka.mjs';
import { spawnMeasured } from './lib/proc.mjs';
import { WORK_DIR } from './lib/data.mjs';
import { CEILINGS, computesOf } from './lib/semantics.mjs';

const PEERS = join(ROOT, 'bench', 'peers');

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds one Maven project (dependencies from Maven Central into ~/.m2) when needed; returns its classpath. */
function buildMaven(dir, log) {
  const cpFile = join(dir, 'target', 'classpath.txt');
  const classes = join(dir, 'target', 'classes');
  const stale =
    !existsSync(cpFile) ||
    !existsSync(classes) ||
    statSync(cpFile).mtimeMs < Math.max(newestMtime(join(dir, 'src')), statSync(join(dir, 'pom.xml')).mtimeMs);
  if (stale) {
    log(`peers: mvn package (${dir.slice(ROOT.length + 1)})`);
    execFileSync('mvn', ['-q', '-B', 'package'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    // The dependency plugin leaves an unchanged classpath file as it was: mark this build as the newest.
    const now = new Date();
    utimesSync(cpFile, now, now);
  }
  return `${classes}:${readFileSync(cpFile, 'utf8').trim()}`;
}

/**
 * Builds bench/peers (Kafka Streams, kafka-tools) and bench/peers/flink (its own project: the Flink
 * connector brings its own kafka-clients); returns both classpaths.
 */
export function buildPeers(log = () => {}) {
  return { streams: buildMaven(PEERS, log), flink: buildMaven(join(PEERS, 'flink'), log) };
}

function lastJsonLine(text, what) {
  const line = text
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line === undefined)
    throw new Error(`bench: ${what}: expected a JSON result line on stdout, found:\n${text.slice(-2000)}`);
  return JSON.parse(line);
}

async function runChild(what, cmd, args, opts = {}) {
  const p = spawnMeasured(cmd, args, { env: { ...process.env, ...infraEnv() }, cwd: ROOT, ...opts });
  const code = await p.exited;
  if (code !== 0)
    throw new Error(`bench: ${what} exited with ${code}:\n${p.err().slice(-3000)}\n${p.out().slice(-2000)}`);
  return { result: lastJsonLine(p.out(), what), peakRssKb: p.peakRssKb(), stderr: p.err() };
}

/** Kafka's own consumer performance tool, same jars as the broker's version. */
export async function consumerPerformance(classpath, ds) {
  const p = spawnMeasured(
    'java',
    [
      '-cp',
      classpath,
      'org.apache.kafka.tools.ConsumerPerformance',
      '--bootstrap-server',
      brokers().join(','),
      '--topic',
      ds.rawTopic,
      '--num-records',
      String(ds.count),
      '--timeout',
      '60000',
      '--group',
      `bench-perf-${Date.now()}`,
    ],
    { cwd: ROOT },
  );
  const code = await p.exited;
  const lines = p.out().trim().split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  if (code !== 0 || header < 0)
    throw new Error(
      `bench: ConsumerPerformance exited with ${code}:\n${p.err().slice(-2000)}\n${p.out().slice(-2000)}`,
    );
  const names = lines[header].split(',').map((s) => s.trim());
  const vals = lines[header + 1].split(',').map((s) => s.trim());
  const row = Object.fromEntries(names.map((n, i) => [n, vals[i]]));
  const fetchMs = Number(row['fetch.time.ms']);
  return {
    tool: 'org.apache.kafka.tools.ConsumerPerformance',
    records: Number(row['data.consumed.in.nMsg']),
    ms: fetchMs,
    eventsPerSec: Math.round(Number(row['fetch.nMsg.sec'])),
    rebalanceMs: Number(row['rebalance.time.ms']),
    rssPeakKb: p.peakRssKb(),
  };
}

export async function bareNodeConsumer(client, ds) {
  const { result, peakRssKb } = await runChild(`raw ${client} consumer`, process.execPath, [
    join(ROOT, 'bench', 'raw-consumer.mjs'),
    '--client',
    client,
    '--topic',
    ds.rawTopic,
    '--count',
    String(ds.count),
  ]);
  return {
    ...result,
    does: CEILINGS.bare,
    cpuUsPerEvent: +((result.cpuMsTotal * 1000) / result.records).toFixed(2),
    rssPeakKb: Math.max(peakRssKb, result.rssPeakKb),
  };
}

/** The pass-through ceiling of one Node client: raw topic -> another topic, every record, no decode. */
export async function passThrough(client, ds, runId) {
  const out = `bench.${runId}.pass-${client}`;
  await createTopic(out, 4);
  const { result, peakRssKb } = await runChild(`pass-through ${client}`, process.execPath, [
    join(ROOT, 'bench', 'pass-through.mjs'),
    '--client',
    client,
    '--topic',
    ds.rawTopic,
    '--out',
    out,
    '--count',
    String(ds.count),
  ]);
  const written = await topicEndTotal(out);
  if (written < ds.count)
    throw new Error(`bench: pass-through ${client}: expected ${ds.count} records on ${out}, found ${written}`);
  return {
    ...result,
    does: CEILINGS.passThrough,
    outputRecords: written,
    cpuUsPerEvent: +((result.cpuMsTotal * 1000) / result.records).toFixed(2),
    rssPeakKb: Math.max(peakRssKb, result.rssPeakKb),
  };
}

export async function naiveKafkaJs(ds, runId) {
  const out = `bench.${runId}.naive-summaries`;
  await createTopic(out, 4);
  const { result, peakRssKb } = await runChild('naive kafkajs', process.execPath, [
    join(PEERS, 'naive-kafkajs.mjs'),
    '--topic',
    ds.rawTopic,
    '--out',
    out,
    '--tags',
    ds.tagMapFile,
    '--count',
    String(ds.count),
    '--registry',
    infraEnv().SHIFTSTREAM_REGISTRY__URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  ]);
  return {
    ...result,
    ...computesOf('naiveKafkaJs'),
    cpuUsPerEvent: +((result.cpuMsTotal * 1000) / result.records).toFixed(2),
    rssPeakKb: Math.max(peakRssKb, result.rssPeakKb),
  };
}

const KS_VARIANTS = { tuned: 'tuned (store cache on)', untuned: 'untuned (store uncached)' };

/**
 * The Kafka Streams application; `threads` stream threads (2: one per core); `variant` 'tuned' (store cache
 * on, batching and compression as the docs advise: bench/README.md) or 'untuned' (the earlier runs' config);
 * `graceMs` of the windows (5 s: shiftstream's).
 */
export async function kafkaStreams(classpath, ds, runId, { threads = 2, variant = 'tuned', graceMs = 5_000 } = {}) {
  const out = `bench.${runId}.streams-summaries`;
  await createTopic(out, 4, KEEP_EVENT_TIME);
  const stateDir = join(WORK_DIR, 'streams-state', runId);
  mkdirSync(stateDir, { recursive: true });
  try {
    const args = [
      `-Dthreads=${threads}`,
      `-Dvariant=${variant}`,
      `-DgraceMs=${graceMs}`,
      '-cp',
      classpath,
      'io.shiftstream.bench.StreamsPeer',
      brokers().join(','),
      ds.rawTopic,
      out,
      `bench-streams-${runId}`,
      ds.tagMapFile,
      join(ROOT, 'schemas', 'raw-sample.avsc'),
      String(ds.count),
      stateDir,
    ];
    const { result, peakRssKb } = await runChild(`Kafka Streams peer (${variant})`, 'java', args);
    if (!result.ok)
      throw new Error(`bench: Kafka Streams peer: applied ${result.applied} of ${ds.count} samples before its timeout`);
    return {
      ...computesOf('kafkaStreamsTuned'),
      label: `Kafka Streams 4.4, ${KS_VARIANTS[variant]}, grace ${graceMs / 1000} s`,
      threads,
      variant,
      graceMs,
      config: result.config,
      records: result.applied,
      ms: Math.round(result.ms),
      eventsPerSec: Math.round((result.applied / result.ms) * 1000),
      cpuUsPerEvent: +((result.cpuMsMeasured * 1000) / result.applied).toFixed(2),
      rssPeakKb: Math.max(peakRssKb, result.rssPeakKb),
      outputTopic: out,
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The Flink job on a local mini-cluster in its own JVM; `parallelism` 2 (one slot per core). */
export async function flink(classpath, ds, runId, { parallelism = 2 } = {}) {
  const out = `bench.${runId}.flink-summaries`;
  await createTopic(out, 4, KEEP_EVENT_TIME);
  const stateDir = join(WORK_DIR, 'flink-state', runId);
  mkdirSync(stateDir, { recursive: true });
  try {
    const args = [
      `-Dparallelism=${parallelism}`,
      '-cp',
      classpath,
      'io.shiftstream.bench.flink.FlinkPeer',
      brokers().join(','),
      ds.rawTopic,
      out,
      `bench-flink-${runId}`,
      ds.tagMapFile,
      join(ROOT, 'schemas', 'raw-sample.avsc'),
      String(ds.count),
      stateDir,
    ];
    const { result, peakRssKb } = await runChild('Flink peer', 'java', args);
    if (!result.ok)
      throw new Error(`bench: Flink peer: applied ${result.applied} of ${ds.count} samples before its timeout`);
    return {
      ...computesOf('flink'),
      parallelism,
      records: result.applied,
      ms: Math.round(result.ms),
      jobMs: Math.round(result.jobMs),
      eventsPerSec: Math.round((result.applied / result.ms) * 1000),
      cpuUsPerEvent: +((result.cpuMsMeasured * 1000) / result.applied).toFixed(2),
      rssPeakKb: Math.max(peakRssKb, result.rssPeakKb),
      windows: result.windows,
      lateApplied: result.lateApplied,
      lateDropped: result.lateDropped,
      reordered: result.reordered,
      outputTopic: out,
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
