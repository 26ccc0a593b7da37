// Pre-loads a raw topic with Avro raw samples (Confluent wire format, key = tag) of a synthetic
// plant, through the project's own simulator, registry codecs and node-rdkafka sink (the same
// path as `shiftstream simulate --count N --clean`), and writes the tag map the peers read.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTopic, infraEnv, ROOT, topicEndTotal, topicExists } from './kafka.mjs';
import { runTopics, writeSyntheticTopology } from './topology.mjs';

const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

export const WORK_DIR = join(ROOT, '.cache', 'bench');
export const START_ISO = '2026-03-02T00:00:00.000Z';
export const PARTITIONS = 4;

/** Topic and file names of one data set (machines x samples); the topic is reused when complete. */
export function dataSet(machines, count) {
  const id = `m${machines}-n${count}`;
  return {
    id,
    machines,
    count,
    plantId: `bench-${machines}`,
    rawTopic: `bench.raw.v1.${id}`,
    tagMapFile: join(WORK_DIR, `tags-${machines}.tsv`),
    topologyFile: (runId) => join(WORK_DIR, `topology-${runId}.yaml`),
  };
}

/** A topology file for one measured run over the data set: outputs under `bench.<runId>.`. */
export function topologyFor(ds, runId) {
  mkdirSync(WORK_DIR, { recursive: true });
  return writeSyntheticTopology({
    file: ds.topologyFile(runId),
    machines: ds.machines,
    plantId: ds.plantId,
    topics: runTopics(ds.rawTopic, `bench.${runId}`),
  });
}

/** Produces the data set unless its topic already holds exactly `count` records. */
export async function preload(ds, log = () => {}) {
  mkdirSync(WORK_DIR, { recursive: true });
  const { compileTopology } = await dist('topology/compile.js');
  const { default: YAML } = await import('yaml');
  const file = topologyFor(ds, `preload-${ds.id}`);
  // Compiled without the lint rules (quadratic in machines: see lib/pipeline-child.mjs).
  const topology = compileTopology(YAML.parse(readFileSync(file, 'utf8'), { uniqueKeys: false }), file, []);
  writeTagMap(topology.plant, ds.tagMapFile);
  if (await topicExists(ds.rawTopic)) {
    const have = await topicEndTotal(ds.rawTopic);
    if (have === ds.count) {
      log(`data: reusing ${ds.rawTopic} (${have} records)`);
      return { reused: true, produceMs: 0 };
    }
    throw new Error(
      `bench: topic ${ds.rawTopic}: expected ${ds.count} records or no topic, found ${have} (delete it and rerun)`,
    );
  }
  const { loadConfig } = await dist('config/index.js');
  const { createRegistryCodecs } = await dist('io/avro/codecs.js');
  const { createRegistryClient } = await dist('io/avro/registry-client.js');
  const { createEventSink } = await dist('io/kafka/factory.js');
  const { createPlantSimulator } = await dist('sim/index.js');
  const config = loadConfig({ env: { ...infraEnv(), SHIFTSTREAM_KAFKA__CLIENT: 'rdkafka' } });
  await createTopic(ds.rawTopic, PARTITIONS);
  const registry = createRegistryClient({ url: config.registry.url, timeoutMs: config.registry.timeoutMs });
  const { codecs } = await createRegistryCodecs(registry, {
    RawSample: [ds.rawTopic],
    MachineEvent: [],
    Milestone: [],
    WindowSummary: [],
    Rejected: [],
    Late: [],
  });
  const sink = createEventSink(config, { clientId: 'bench-preload' });
  const sim = shardedSimulator(createPlantSimulator, topology.plant, {
    seed: 7,
    startMs: Date.parse(START_ISO),
    outOfOrderShare: 0,
    lateShare: 0,
    badShare: 0,
  });
  const t0 = performance.now();
  let produced = 0;
  let inFlight = [];
  let lastLog = t0;
  while (produced < ds.count) {
    const batch = sim.nextCount(Math.min(20_000, ds.count - produced));
    inFlight.push(sink.send(batch.map((s) => ({ topic: ds.rawTopic, key: s.tag, value: codecs.raw.encode(s) }))));
    produced += batch.length;
    if (inFlight.length >= 4) {
      await inFlight.shift();
    }
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`data: ${produced} / ${ds.count}`);
    }
  }
  await Promise.all(inFlight);
  await sink.close();
  const produceMs = Math.round(performance.now() - t0);
  const have = await topicEndTotal(ds.rawTopic);
  if (have !== ds.count)
    throw new Error(`bench: topic ${ds.rawTopic}: expected ${ds.count} records after loading, found ${have}`);
  log(`data: ${ds.count} samples of ${ds.machines} machines to ${ds.rawTopic} in ${produceMs} ms`);
  return { reused: false, produceMs };
}

/**
 * Above 2,000 machines: the simulator over shards of 500 machines, handed out in turn in proportion to their
 * size (so event time advances alike in every shard). One simulator over the whole plant would do
 * the same, but building its machine profiles scans every tag of the plant per machine (src/sim/
 * machine-profile.ts): about 10 minutes for 20,000 machines. Plants of up to 2,000 machines use one
 * simulator, exactly as `shiftstream simulate`.
 */
function shardedSimulator(createPlantSimulator, plan, options, shardSize = 500) {
  const ids = [...plan.machines.keys()];
  if (ids.length <= 2_000) return createPlantSimulator(plan, options);
  const shards = [];
  for (let i = 0; i < ids.length; i += shardSize) {
    const machineIds = new Set(ids.slice(i, i + shardSize));
    const machines = new Map([...plan.machines].filter(([id]) => machineIds.has(id)));
    const wcIds = new Set([...machines.values()].map((m) => m.workCenterId));
    const sub = {
      ...plan,
      machines,
      workCenters: new Map([...plan.workCenters].filter(([id]) => wcIds.has(id))),
      tags: new Map([...plan.tags].filter(([, t]) => machineIds.has(t.machineId))),
    };
    shards.push({
      sim: createPlantSimulator(sub, { ...options, seed: options.seed + i }),
      share: machineIds.size / ids.length,
    });
  }
  return {
    nextCount(n) {
      const counts = shards.map((s) => Math.floor(n * s.share));
      for (let i = 0, rest = n - counts.reduce((a, b) => a + b, 0); rest > 0; i = (i + 1) % counts.length, rest--)
        counts[i]++;
      const out = [];
      shards.forEach((s, i) => {
        for (const sample of s.sim.nextCount(counts[i])) out.push(sample);
      });
      return out;
    },
  };
}

/** tag \t role \t machineId \t workCenterId \t value=category,... (0 running, 1 down, 2 other) */
function writeTagMap(plan, file) {
  const roles = { state: 0, reason: 1, heartbeat: 4, milestone: 5 };
  const lines = [];
  for (const t of plan.tags.values()) {
    const m = plan.machines.get(t.machineId);
    let role = roles[t.kind];
    if (t.kind === 'counter') role = t.counter === 'good' ? 2 : 3;
    let states = '';
    if (t.kind === 'state')
      states = [...t.values]
        .map(([v, s]) => `${v}=${s.category === 'running' ? 0 : s.category === 'down' ? 1 : 2}`)
        .join(',');
    lines.push(`${t.tag}\t${role}\t${t.machineId}\t${m.workCenterId}\t${states}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}
