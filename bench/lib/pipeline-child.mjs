#!/usr/bin/env node
// `shiftstream run` in a child process: the same composition, from dist/cli/plant-pipeline.js
// (startPlantObservability: logger, Prometheus metrics, the HTTP port; createPlantPipeline: topics,
// registry codecs, Redis state store, the configured Kafka client's sources and sink,
// createPipeline). One difference: the topology is
// compiled without the lint rules, whose cost grows with machines x tags (about 60 s for 2,000
// machines and out of reach for 20,000 at the time of writing; see bench/RESULTS.md), and the YAML
// is parsed with uniqueKeys: false (the yaml package checks duplicate keys pairwise: minutes for
// 120,000 tags; the generated files have none). Lint is a
// start-up cost, not a per-event one, and the benchmark's generated topologies lint clean.
//   node bench/lib/pipeline-child.mjs --topology <file> --client kafkajs|rdkafka --group <g> --port <p>
//     [--event-time-only] [--profile <file.cpuprofile>]
// --profile: the V8 CPU profiler starts on SIGUSR2 (sent by the benchmark when the first record is
// counted) and the profile is written on SIGINT, so it covers the measured run, not the start-up.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';

const ROOT = new URL('../../', import.meta.url).pathname;
// SHIFTSTREAM_BENCH_DIST: another build of src/ (A/B of two builds in one invocation, rdkafka-ab.mjs).
const DIST = process.env.SHIFTSTREAM_BENCH_DIST ?? join(ROOT, 'dist');
const dist = (p) => import(pathToFileURL(join(DIST, p)).href);
const { values } = parseArgs({
  options: {
    topology: { type: 'string' },
    client: { type: 'string' },
    group: { type: 'string' },
    port: { type: 'string' },
    'event-time-only': { type: 'boolean' },
    profile: { type: 'string' },
    'what-if-mapper-commit-ms': { type: 'string' },
  },
});
let profiler;
if (values.profile !== undefined) {
  process.on('SIGUSR2', () => {
    if (profiler !== undefined) return;
    profiler = new Session();
    profiler.connect();
    profiler
      .post('Profiler.enable')
      .then(() => profiler.post('Profiler.setSamplingInterval', { interval: 1000 }))
      .then(() => profiler.post('Profiler.start'))
      .catch((err) => process.stderr.write(`profiler: ${err}\n`));
  });
}

const { loadConfig } = await dist('config/index.js');
const { compileTopology } = await dist('topology/compile.js');
const { createPlantPipeline, startPlantObservability } = await dist('cli/plant-pipeline.js');

const base = loadConfig({ env: process.env, argv: [`--http.port=${values.port}`] });
const config = Object.freeze({
  ...base,
  kafka: { ...base.kafka, client: values.client },
  log: { ...base.log, level: 'warn' },
});
const topology = compileTopology(
  YAML.parse(readFileSync(values.topology, 'utf8'), { uniqueKeys: false }),
  values.topology,
  [],
);
const { logger, metrics, readiness, http } = await startPlantObservability(config, topology.plant.plantId);
// SHIFTSTREAM_BENCH_RDKAFKA: JSON { source?, sink? } of extra adapter options (tuning what-ifs, not
// the product's configuration), node-rdkafka only.
const tuning =
  process.env.SHIFTSTREAM_BENCH_RDKAFKA === undefined ? undefined : JSON.parse(process.env.SHIFTSTREAM_BENCH_RDKAFKA);
let adapters;
if (tuning !== undefined && values.client === 'rdkafka') {
  const { RdKafkaEventSource } = await dist('io/kafka/rdkafka-event-source.js');
  const { RdKafkaEventSink } = await dist('io/kafka/rdkafka-event-sink.js');
  adapters = {
    sink: (clientId) => new RdKafkaEventSink(config, { clientId, ...(tuning.sink ?? {}) }),
    source: (groupId, topics) =>
      new RdKafkaEventSource(config, {
        groupId,
        topics: [...topics],
        clientId: config.kafka.clientId,
        ...(tuning.source ?? {}),
      }),
  };
}
const plant = await createPlantPipeline(config, topology, {
  group: values.group,
  partitions: 4,
  live: values['event-time-only'] !== true,
  logger,
  metrics,
  readiness,
  ...(adapters === undefined ? {} : { adapters }),
});
const { pipeline, sink, mapperSource, windowSource } = plant;
// SHIFTSTREAM_BENCH_TRACE=<file>: where stage 1 and stage 2 wait (see lib/trace.mjs), written on SIGINT.
// The trace wraps the adapters' methods in place, before the pipeline runs.
const trace =
  process.env.SHIFTSTREAM_BENCH_TRACE === undefined
    ? undefined
    : (await import('./trace.mjs')).createTrace({ sink, sources: { map: mapperSource, window: windowSource } });
// What-if (not the product's behaviour): stage 1 commits its input offsets at most every N ms
// instead of after every batch, to measure what the per-batch commit costs. Still at-least-once:
// only acknowledged batches' offsets are committed, later (offsets still pending at a stop or revoke
// are not committed: re-processing, never loss).
const whatIfMs =
  values['what-if-mapper-commit-ms'] === undefined ? undefined : Number(values['what-if-mapper-commit-ms']);
if (whatIfMs !== undefined) {
  const commit = mapperSource.commit.bind(mapperSource);
  const pending = new Map();
  let last = 0;
  mapperSource.commit = async (offsets) => {
    for (const o of offsets) pending.set(`${o.topic}:${o.partition}`, o);
    const now = Date.now();
    if (now - last < whatIfMs) return;
    last = now;
    const all = [...pending.values()];
    pending.clear();
    await commit(all);
  };
}
// SHIFTSTREAM_BENCH_STALLS=<file>: event-loop stalls and stage 2's synchronous steps (lib/stalls.mjs), on SIGINT.
const stalls =
  process.env.SHIFTSTREAM_BENCH_STALLS === undefined
    ? undefined
    : (await import('./stalls.mjs')).createStallRecorder(await dist('core/processor.js'), {
        map: mapperSource,
        window: windowSource,
      });
let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
  if (trace !== undefined) writeFileSync(process.env.SHIFTSTREAM_BENCH_TRACE, JSON.stringify(trace.report(), null, 1));
  if (stalls !== undefined)
    writeFileSync(process.env.SHIFTSTREAM_BENCH_STALLS, JSON.stringify(stalls.report(), null, 1));
  const stopping =
    profiler === undefined
      ? Promise.resolve()
      : profiler.post('Profiler.stop').then(({ profile }) => writeFileSync(values.profile, JSON.stringify(profile)));
  void stopping.catch((err) => process.stderr.write(`profiler: ${err}\n`)).then(() => pipeline.stop());
});
const readyTimer = setInterval(
  () =>
    pipeline.ready() ? readiness.ready('pipeline') : readiness.notReady('pipeline', 'waiting for partition assignment'),
  100,
);
let code = 0;
try {
  await pipeline.run();
} catch (err) {
  logger.error({ err }, 'pipeline failed');
  code = 4;
} finally {
  clearInterval(readyTimer);
  await Promise.allSettled([plant.close(), http.close()]);
  logger.flush();
}
process.exit(code === 0 && interrupted ? 130 : code);
