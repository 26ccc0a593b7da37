// Where the pipeline waits (bench only, pipeline-child.mjs with SHIFTSTREAM_BENCH_TRACE=<file>):
// wraps the sink's send, each source's onBatch and, on node-rdkafka, the consumer's consume(n),
// pause and resume, and reports counts, sizes, durations and how much of the wall time each stage
// had no batch in flight. Timed from the first onBatch of either stage to report().
import { performance } from 'node:perf_hooks';

function stats() {
  return { n: 0, items: 0, ms: 0, durations: [] };
}

function add(s, items, ms) {
  s.n++;
  s.items += items;
  s.ms += ms;
  if (s.durations.length < 200_000) s.durations.push(ms);
}

function summary(s) {
  const d = [...s.durations].sort((a, b) => a - b);
  const q = (p) => (d.length === 0 ? null : +d[Math.min(d.length - 1, Math.floor(p * d.length))].toFixed(2));
  return {
    n: s.n,
    items: s.items,
    itemsPerCall: s.n === 0 ? null : +(s.items / s.n).toFixed(1),
    totalMs: Math.round(s.ms),
    meanMs: s.n === 0 ? null : +(s.ms / s.n).toFixed(2),
    p50Ms: q(0.5),
    p90Ms: q(0.9),
    p99Ms: q(0.99),
    maxMs: q(1),
  };
}

/** Time-weighted concurrency of one stage: busy = at least one batch in flight. */
function occupancy() {
  return { inFlight: 0, since: 0, busyMs: 0, weightedMs: 0, maxInFlight: 0 };
}

function tick(o, t) {
  if (o.inFlight > 0) {
    o.weightedMs += o.inFlight * (t - o.since);
    o.busyMs += t - o.since;
  }
  o.since = t;
}

export function createTrace({ sink, sources }) {
  let t0;
  let elu0;
  const start = () => {
    if (t0 !== undefined) return;
    t0 = performance.now();
    elu0 = performance.eventLoopUtilization();
  };
  const sends = { stage1: stats(), stage2: stats() };
  const batches = {};
  const occ = {};
  const consumes = {};
  const flow = {};
  const origSend = sink.send.bind(sink);
  // Which stage sent: stage 1 writes the enriched/milestones/rejected topics, stage 2 the summaries.
  sink.send = (records) => {
    const t = performance.now();
    const which = records.length > 0 && /summaries|late/.test(records[0].topic) ? 'stage2' : 'stage1';
    const p = origSend(records);
    p.then(
      () => add(sends[which], records.length, performance.now() - t),
      () => undefined,
    );
    return p;
  };
  for (const [name, source] of Object.entries(sources)) {
    batches[name] = stats();
    occ[name] = occupancy();
    consumes[name] = stats();
    flow[name] = { pause: 0, resume: 0 };
    const o = occ[name];
    const origRun = source.run.bind(source);
    source.run = (handlers) =>
      origRun({
        ...handlers,
        onBatch: async (batch) => {
          start();
          const t = performance.now();
          tick(o, t);
          o.inFlight++;
          if (o.inFlight > o.maxInFlight) o.maxInFlight = o.inFlight;
          try {
            await handlers.onBatch(batch);
          } finally {
            const t1 = performance.now();
            tick(o, t1);
            o.inFlight--;
            add(batches[name], batch.records.length, t1 - t);
          }
        },
      });
    const consumer = source.consumer; // node-rdkafka's KafkaConsumer (private field), absent on kafkajs
    if (consumer !== undefined && typeof consumer.consume === 'function') {
      const origConsume = consumer.consume.bind(consumer);
      consumer.consume = (n, cb) => {
        const t = performance.now();
        return origConsume(n, (err, messages) => {
          if (t0 !== undefined) add(consumes[name], messages?.length ?? 0, performance.now() - t);
          cb(err, messages);
        });
      };
      const origPause = consumer.pause.bind(consumer);
      const origResume = consumer.resume.bind(consumer);
      consumer.pause = (tps) => {
        flow[name].pause++;
        return origPause(tps);
      };
      consumer.resume = (tps) => {
        flow[name].resume++;
        return origResume(tps);
      };
    }
  }
  return {
    report() {
      if (t0 === undefined) return { started: false };
      const wallMs = performance.now() - t0;
      const elu = performance.eventLoopUtilization(elu0);
      const out = {
        wallMs: Math.round(wallMs),
        eventLoopUtilization: +elu.utilization.toFixed(3),
        sends: {},
        stages: {},
      };
      for (const [k, s] of Object.entries(sends)) out.sends[k] = summary(s);
      for (const name of Object.keys(batches)) {
        const o = occ[name];
        out.stages[name] = {
          onBatch: summary(batches[name]),
          busyShare: +(o.busyMs / wallMs).toFixed(3),
          meanInFlightWhileBusy: o.busyMs === 0 ? null : +(o.weightedMs / o.busyMs).toFixed(2),
          maxInFlight: o.maxInFlight,
          consume: summary(consumes[name]),
          ...flow[name],
        };
      }
      return out;
    },
  };
}
