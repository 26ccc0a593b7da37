// The ceilings and peers measured on the same pre-loaded topic: Kafka's ConsumerPerformance (from
// kafka-tools, the broker's version), bare node-rdkafka and kafkajs consumers (raw-consumer.mjs),
// the Kafka Streams application (peers/StreamsPeer.java) and the naive kafkajs eachMessage
// consumer (peers/naive-kafkajs.mjs). Each runs in its own process, one after the other.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { brokers, createTopic, infraEnv, ROOT } from './lib/kafka.mjs';
import { spawnMeasured } from './lib/proc.mjs';
import { WORK_DIR } from './lib/data.mjs';

const PEERS = join(ROOT, 'bench', 'peers');

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds bench/peers with Maven (dependencies from Maven Central into ~/.m2) when needed; returns the classpath. */
export function buildPeers(log = () => {}) {
  const cpFile = join(PEERS, 'target', 'classpath.txt');
  const jar = join(PEERS, 'target', 'classes');
  const stale =
    !existsSync(cpFile) ||
    !existsSync(jar) ||
    statSync(cpFile).mtimeMs < Math.max(newestMtime(join(PEERS, 'src')), statSync(join(PEERS, 'pom.xml')).mtimeMs);
  if (stale) {
    log('peers: mvn package (bench/peers)');
    execFileSync('mvn', ['-q', '-B', 'package'], { cwd: PEERS, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return `${jar}:${readFileSync(cpFile, 'utf8').trim()}`;
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
    cpuUsPerEvent: +((result.cpuMsTotal * 1000) / result.records).toFixed(2),
    rssPeakKb: Math.max(peakRssKb, result.rssPeakKb),
  };
}

/** The Kafka Streams application; `threads` stream threads (2: one per core). */
export async function kafkaStreams(classpath, ds, runId, threads = 2) {
  const out = `bench.${runId}.streams-summaries`;
  await createTopic(out, 4);
  const stateDir = join(WORK_DIR, 'streams-state', runId);
  mkdirSync(stateDir, { recursive: true });
  try {
    const args = [
      `-Dthreads=${threads}`,
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
    const { result, peakRssKb } = await runChild('Kafka Streams peer', 'java', args);
    if (!result.ok)
      throw new Error(`bench: Kafka Streams peer: applied ${result.applied} of ${ds.count} samples before its timeout`);
    return {
      threads,
      records: result.applied,
      ms: Math.round(result.ms),
      eventsPerSec: Math.round((result.applied / result.ms) * 1000),
      cpuUsPerEvent: +((result.cpuMsMeasured * 1000) / result.applied).toFixed(2),
      rssPeakKb: Math.max(peakRssKb, result.rssPeakKb),
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
