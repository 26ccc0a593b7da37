// Critical-lane latency: a live `shiftstream run` (node-rdkafka, wall-clock validation on) fed at a
// fixed share of the maximum rate measured in the same run. The load generator stamps each sample
// with the wall clock just before producing it (event time = produce time, as a live plant); a
// consumer of the milestones topic takes `now - milestone.tsMs` on receipt. So the figure runs
// from produce to a milestone readable on the topic, including the measuring consumer's fetch
// (fetch.wait.max.ms 5). Milestones are the ORDER tags and machine down/up transitions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import rdkafka from 'node-rdkafka';
import { brokers, createTopic, infraEnv, ROOT } from './lib/kafka.mjs';
import { WORK_DIR, PARTITIONS } from './lib/data.mjs';
import { counterSum, runShiftstream } from './lib/shiftstream.mjs';
import { until } from './lib/proc.mjs';

const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * @param {{ machines: number, maxRate: number, shares: number[], warmupMs: number, measureMs: number, runId: string,
 * log?: (s: string) => void }} o
 */
export async function criticalLaneLatency(o) {
  const { loadConfig } = await dist('config/index.js');
  const { createRegistryCodecs } = await dist('io/avro/codecs.js');
  const { createRegistryClient } = await dist('io/avro/registry-client.js');
  const { compileTopology } = await dist('topology/compile.js');
  const { default: YAML } = await import('yaml');
  const { createPlantSimulator } = await dist('sim/index.js');
  const log = o.log ?? (() => {});
  const ds = {
    machines: o.machines,
    count: 0,
    plantId: `bench-${o.machines}`,
    rawTopic: `bench.raw.${o.runId}`,
    topologyFile: (id) => join(WORK_DIR, `topology-${id}.yaml`),
  };
  await createTopic(ds.rawTopic, PARTITIONS);
  const run = await runShiftstream({
    ds,
    runId: o.runId,
    client: 'rdkafka',
    live: true,
    keepRunning: true,
    log,
    ...(o.env === undefined ? {} : { env: o.env }),
  });
  const milestonesTopic = `bench.${o.runId}.milestones`;
  const config = loadConfig({ env: infraEnv() });
  const registry = createRegistryClient({ url: config.registry.url, timeoutMs: config.registry.timeoutMs });
  const { codecs } = await createRegistryCodecs(registry, {
    RawSample: [ds.rawTopic],
    MachineEvent: [],
    Milestone: [milestonesTopic],
    WindowSummary: [],
    Rejected: [],
    Late: [],
  });
  const plan = compileTopology(
    YAML.parse(readFileSync(ds.topologyFile(o.runId), 'utf8'), { uniqueKeys: false }),
    o.runId,
    [],
  ).plant;

  const producer = new rdkafka.Producer({
    'metadata.broker.list': brokers().join(','),
    'linger.ms': 1,
    'queue.buffering.max.messages': 1_000_000,
    'queue.buffering.max.kbytes': 1_048_576,
  });
  await new Promise((res, rej) => producer.connect({}, (err) => (err ? rej(err) : res())));
  producer.setPollInterval(20);
  const consumer = new rdkafka.KafkaConsumer(
    {
      'metadata.broker.list': brokers().join(','),
      'group.id': `bench-latency-${o.runId}`,
      'enable.auto.commit': false,
      'fetch.wait.max.ms': 5,
      'fetch.min.bytes': 1,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise((res, rej) => consumer.connect({}, (err) => (err ? rej(err) : res())));
  consumer.subscribe([milestonesTopic]);
  let received = [];
  let consuming = true;
  const consumeLoop = (async () => {
    consumer.setDefaultConsumeTimeout(5);
    while (consuming) {
      const msgs = await new Promise((res, rej) => consumer.consume(500, (err, m) => (err ? rej(err) : res(m))));
      const now = Date.now();
      if (msgs.length > 0) await codecs.prepare(msgs.map((m) => m.value));
      for (const m of msgs) {
        const d = codecs.milestone.decode(m.value);
        if (d.ok) received.push([d.value.tsMs, now - d.value.tsMs]);
      }
    }
  })();

  const sim = createPlantSimulator(plan, {
    seed: 3,
    startMs: Date.now(),
    outOfOrderShare: 0,
    lateShare: 0,
    badShare: 0,
  });
  const levels = [];
  try {
    for (const share of o.shares) {
      const rate = Math.round(o.maxRate * share);
      const t0 = Date.now();
      const measureFrom = t0 + o.warmupMs;
      const until_ = measureFrom + o.measureMs;
      let produced = 0;
      while (Date.now() < until_) {
        const target = Math.floor(((Date.now() - t0) / 1000) * rate);
        const n = Math.min(target - produced, 5_000);
        if (n > 0) {
          for (const s of sim.nextCount(n)) {
            const sample = { tag: s.tag, tsMs: Date.now(), value: s.value, quality: s.quality };
            for (;;) {
              try {
                producer.produce(ds.rawTopic, null, codecs.raw.encode(sample), s.tag);
                break;
              } catch (err) {
                if (err.code !== rdkafka.CODES.ERRORS.ERR__QUEUE_FULL) throw err;
                await new Promise((r) => setTimeout(r, 1));
              }
            }
          }
          produced += n;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      const producedAt = Date.now();
      await new Promise((res, rej) => producer.flush(10_000, (err) => (err ? rej(err) : res())));
      // Let the pipeline drain what was produced (a pipeline that cannot keep up shows it here).
      let drainedMs = null;
      try {
        await until(
          `latency ${share}: pipeline drained`,
          async () =>
            (await run.sumAll('shiftstream_events_in_total', `topic="${ds.rawTopic}"`)) >=
            sumProduced(levels) + produced,
          { timeoutMs: 60_000, everyMs: 50 },
        );
        drainedMs = Date.now() - producedAt;
      } catch (err) {
        if (run.procs.some(({ p }) => p.child.exitCode !== null))
          throw new Error(`bench: latency: shiftstream run exited:\n${run.procs[0].p.err().slice(-3000)}`, {
            cause: err,
          });
        drainedMs = null;
      }
      await new Promise((r) => setTimeout(r, 500));
      const inWindow = received
        .filter(([ts]) => ts >= measureFrom && ts < until_)
        .map(([, l]) => l)
        .sort((a, b) => a - b);
      received = [];
      const actualRate = Math.round((produced / (producedAt - t0)) * 1000);
      levels.push({
        share,
        targetRate: rate,
        actualRate,
        produced,
        milestones: inWindow.length,
        p50Ms: percentile(inWindow, 50),
        p99Ms: percentile(inWindow, 99),
        maxMs: inWindow.length > 0 ? inWindow[inWindow.length - 1] : null,
        drainedAfterMs: drainedMs,
      });
      log(
        `latency: ${Math.round(share * 100)}% (${actualRate}/s): p50 ${percentile(inWindow, 50)} ms, ` +
          `p99 ${percentile(inWindow, 99)} ms, max ${inWindow.at(-1)} ms over ${inWindow.length} milestones`,
      );
    }
    const text = await fetch(`http://127.0.0.1:${run.procs[0].port}/metrics`).then((r) => r.text());
    const within25 = counterSum(text, 'shiftstream_critical_lane_latency_ms_bucket', 'le="25"');
    const all = counterSum(text, 'shiftstream_critical_lane_latency_ms_count');
    return {
      machines: o.machines,
      maxRate: o.maxRate,
      levels,
      ownHistogram: { count: all, shareAtMost25Ms: all > 0 ? +(within25 / all).toFixed(4) : null },
    };
  } finally {
    consuming = false;
    await consumeLoop.catch(() => {});
    await new Promise((res) => consumer.disconnect(() => res()));
    await new Promise((res) => producer.disconnect(() => res()));
    await run.stop();
  }
}

function sumProduced(levels) {
  return levels.reduce((s, l) => s + l.produced, 0);
}
