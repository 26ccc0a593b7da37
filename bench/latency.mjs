// Critical-lane latency: a live `shiftstream run` (node-rdkafka, wall-clock validation on) fed at a
// fixed share of the maximum rate measured in the same run. The load generator stamps each sample
// with the wall clock just before producing it (event time = produce time, as a live plant); a
// consumer of the milestones topic takes `now - milestone.tsMs` on receipt. So the figure runs
// from produce to a milestone readable on the topic, including the measuring consumer's fetch
// (fetch.wait.max.ms 5). Milestones are the ORDER tags and machine down/up transitions.
//
// The simulator alone yields only ~5 milestones/s for 2,000 machines (35-77 in an 8 s window), so a
// p99 over them is the window's worst case. On top of the telemetry (whose rate stays the level's
// rate), the generator therefore sends `milestoneRate` extra milestones per second: each re-sends a
// machine's running order on its ORDER tag (an `operation_started` that names its order, so it goes
// through the critical lane at once, semantics section 9.3, and leaves the running order unchanged).
// Default: enough for MIN_MILESTONES in each level's measuring window.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import rdkafka from 'node-rdkafka';
import { brokers, createTopic, infraEnv, ROOT } from './lib/kafka.mjs';
import { WORK_DIR, PARTITIONS } from './lib/data.mjs';
import { counterSum, runShiftstream } from './lib/shiftstream.mjs';
import { until } from './lib/proc.mjs';

const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

/** Each level's measuring window gets at least this many milestones by default. */
export const MIN_MILESTONES = 1_000;
/** Below this many milestones a p99 is the maximum (nearest rank), and is reported as such. */
export const P99_MIN_N = 100;

/** Extra milestones per second so that a window of `measureMs` holds MIN_MILESTONES, with 20 % to spare. */
export function defaultMilestoneRate(measureMs) {
  return Math.ceil((MIN_MILESTONES * 1.2 * 1000) / measureMs);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** `p50/p90/p99/max (n)` of a level; says when the p99 is the maximum. */
export function describeLevel(l) {
  const head = `p50 ${l.p50Ms} p90 ${l.p90Ms} p99 ${l.p99Ms} max ${l.maxMs} ms (n ${l.milestones}`;
  return `${head}${l.milestones < P99_MIN_N ? `; n < ${P99_MIN_N}: the p99 is the maximum` : ''})`;
}

/**
 * @param {{ machines: number, maxRate: number, shares: number[], warmupMs: number, measureMs: number, runId: string,
 * milestoneRate?: number, log?: (s: string) => void }} o
 * `milestoneRate`: extra milestones per second on top of each level's telemetry (0: the simulator's only;
 * default `defaultMilestoneRate(measureMs)`).
 */
export async function criticalLaneLatency(o) {
  const { loadConfig } = await dist('config/index.js');
  const { createRegistryCodecs } = await dist('io/avro/codecs.js');
  const { createRegistryClient } = await dist('io/avro/registry-client.js');
  const { compileTopology } = await dist('topology/compile.js');
  const { default: YAML } = await import('yaml');
  const { createPlantSimulator } = await dist('sim/index.js');
  const log = o.log ?? (() => {});
  const milestoneRate = o.milestoneRate ?? defaultMilestoneRate(o.measureMs);
  if (!(Number.isFinite(milestoneRate) && milestoneRate >= 0))
    throw new Error(`bench: latency: milestoneRate: expected a number >= 0, found ${o.milestoneRate}`);
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
  // The ORDER tags (operation_started milestones), and the order each last named in the stream.
  const orderTags = [...plan.tags.entries()]
    .filter(([, t]) => t.kind === 'milestone' && t.milestone === 'operation_started')
    .map(([tag]) => tag);
  if (milestoneRate > 0 && orderTags.length === 0)
    throw new Error('bench: latency: extra milestones need an operation_started tag in the topology, found none');
  const orderTagSet = new Set(orderTags);
  const runningOrder = new Map();
  let nextOrderTag = 0;
  /** The next extra milestone: a machine's running order again, round robin over machines with one. */
  const extraMilestone = () => {
    for (let i = 0; i < orderTags.length; i++) {
      const tag = orderTags[nextOrderTag];
      nextOrderTag = (nextOrderTag + 1) % orderTags.length;
      const order = runningOrder.get(tag);
      if (order !== undefined) return { tag, tsMs: Date.now(), value: order, quality: 'good' };
    }
    return null;
  };

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
  const produceSample = async (sample) => {
    for (;;) {
      try {
        producer.produce(ds.rawTopic, null, codecs.raw.encode(sample), sample.tag);
        return;
      } catch (err) {
        if (err.code !== rdkafka.CODES.ERRORS.ERR__QUEUE_FULL) throw err;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  };
  try {
    for (const share of o.shares) {
      const rate = Math.round(o.maxRate * share);
      // rdkafka-ab passes absolute rates as shares of a maxRate of 1.
      const levelName = o.maxRate === 1 ? `target ${rate}/s` : `${Math.round(share * 100)}%`;
      const t0 = Date.now();
      const measureFrom = t0 + o.warmupMs;
      const until_ = measureFrom + o.measureMs;
      let produced = 0;
      let extra = 0;
      while (Date.now() < until_) {
        const elapsedS = (Date.now() - t0) / 1000;
        const n = Math.min(Math.floor(elapsedS * rate) - produced, 5_000);
        if (n > 0) {
          for (const s of sim.nextCount(n)) {
            if (typeof s.value === 'string' && orderTagSet.has(s.tag)) runningOrder.set(s.tag, s.value);
            await produceSample({ tag: s.tag, tsMs: Date.now(), value: s.value, quality: s.quality });
          }
          produced += n;
        }
        // The extra milestones of this turn, after its telemetry (so they queue behind it, as a
        // plant's would).
        for (let k = Math.floor(elapsedS * milestoneRate) - extra; k > 0; k--) {
          const m = extraMilestone();
          if (m === null) break;
          await produceSample(m);
          extra++;
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
            sumProduced(levels) + produced + extra,
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
        // Extra milestones sent in the whole level (warm-up included), and their rate.
        extraMilestones: extra,
        extraMilestoneRate: Math.round((extra / (producedAt - t0)) * 1000),
        milestones: inWindow.length,
        p50Ms: percentile(inWindow, 50),
        p90Ms: percentile(inWindow, 90),
        p99Ms: percentile(inWindow, 99),
        maxMs: inWindow.length > 0 ? inWindow[inWindow.length - 1] : null,
        p99IsMax: inWindow.length < P99_MIN_N,
        drainedAfterMs: drainedMs,
      });
      log(
        `latency: ${levelName} (${actualRate}/s telemetry + ${levels.at(-1).extraMilestoneRate}/s ` +
          `extra milestones): ${describeLevel(levels.at(-1))}`,
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
  return levels.reduce((s, l) => s + l.produced + l.extraMilestones, 0);
}
