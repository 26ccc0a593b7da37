// Where `shiftstream demo` runs (src/demo/ holds no adapters): the embedded in-process log (no
// servers), or a real cluster with the Kafka adapters, Avro through the registry and checkpoints
// in Redis. On a cluster each demo run gets its own topics and groups (suffix `.demo-<runId>`), so
// reruns never mix with earlier data. Also the demo's Odoo preview (no Odoo: placeholder ids).
import type { Config } from '../config/types.js';
import type { DemoTransport, OdooPreview } from '../demo/demo.js';
import { createLocalCodecs, createRegistryCodecs, topologySchemaTopics } from '../io/avro/codecs.js';
import { createRegistryClient } from '../io/avro/registry-client.js';
import { ensureTopics, topologyTopicSpecs } from '../io/kafka/admin.js';
import { createEventSink, createEventSource } from '../io/kafka/factory.js';
import { createKafkaJs } from '../io/kafka/kafkajs-config.js';
import { MemoryEventSink, MemoryEventSource, MemoryLog, MemoryStateStore } from '../io/memory/index.js';
import { PRODUCTIVITY_MODEL, summaryToRecords, type ResolvedTargets } from '../io/odoo/productivity-records.js';
import { RedisStateStore } from '../io/redis/index.js';
import type { TopicsPlan, TopologyPlan } from '../topology/types.js';

const PARTITIONS = 4;

/** The embedded, in-process log: no servers. */
export function embeddedTransport(topology: TopologyPlan): DemoTransport {
  const t = topology.topics;
  const log = new MemoryLog({ defaultPartitions: PARTITIONS });
  for (const topic of [
    t.raw,
    t.canonical,
    t.enriched,
    t.milestones,
    t.windowSummaries,
    t.shiftSummaries,
    t.orderSummaries,
    t.rejected,
    t.late,
  ])
    log.createTopic(topic, PARTITIONS);
  const cursors = new Map<string, number[]>();
  return {
    name: 'embedded log',
    topology,
    codecs: createLocalCodecs(),
    deps: {
      mapperSource: new MemoryEventSource(log, { groupId: 'demo-map', topics: [t.raw] }),
      windowSource: new MemoryEventSource(log, { groupId: 'demo-window', topics: [t.enriched] }),
      windowGroupId: 'demo-window',
      sink: new MemoryEventSink(log),
      store: new MemoryStateStore(),
      enrichedPartitions: PARTITIONS,
      sourcePartitions: PARTITIONS,
    },
    appendRaw: (records) => {
      log.append(records);
      return Promise.resolve();
    },
    rawPartitions: PARTITIONS,
    take(topic) {
      const pos = cursors.get(topic) ?? new Array<number>(PARTITIONS).fill(0);
      cursors.set(topic, pos);
      const fresh: Buffer[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        const records = log.records(topic, p);
        for (let i = pos[p]!; i < records.length; i++) if (records[i]!.value !== null) fresh.push(records[i]!.value!);
        pos[p] = records.length;
      }
      return fresh;
    },
    caughtUp(positions) {
      const map = log.group('demo-map');
      const rawDone = log.endOffsets(t.raw).every((end, partition) => {
        const committed = map.committed({ topic: t.raw, partition });
        return end === 0 || committed === String(end);
      });
      const next = new Map(positions.map((p) => [p.partition, p.nextOffset]));
      const enrichedDone = log
        .endOffsets(t.enriched)
        .every((end, partition) => end === 0 || next.get(partition) === String(end));
      return Promise.resolve(rawDone && enrichedDone);
    },
    close: () => Promise.resolve(),
  };
}

/** The mrp.workcenter.productivity records `post` would write; without Odoo the ids are 0. */
export function odooPreviewOf(topology: TopologyPlan): OdooPreview {
  const workCenters = new Map([...topology.plant.workCenters.keys()].map((id) => [id, { odooId: 0, companyId: 0 }]));
  const losses = new Map([...new Set(topology.odoo.losses.values())].map((ref) => [ref, 0]));
  const targets: ResolvedTargets = { workCenters, losses };
  return (summary) =>
    summaryToRecords(summary, topology.odoo, targets).records.map((r) => ({
      model: PRODUCTIVITY_MODEL,
      key: r.key,
      revision: r.revision,
      workCenterId: summary.workCenterId,
      lossKey: r.lossKey,
      vals: r.vals,
    }));
}

export async function kafkaTransport(config: Config, base: TopologyPlan, runId: string): Promise<DemoTransport> {
  const suffix = `.demo-${runId}`;
  const topics = Object.fromEntries(
    Object.entries(base.topics).map(([role, name]) => [role, `${name}${suffix}`]),
  ) as unknown as TopicsPlan;
  const topology: TopologyPlan = { ...base, topics };
  const counts = await ensureTopics(config, topologyTopicSpecs(topics, PARTITIONS));
  const registry = createRegistryClient({ url: config.registry.url, timeoutMs: config.registry.timeoutMs });
  const { codecs } = await createRegistryCodecs(registry, topologySchemaTopics(topics));
  const group = `shiftstream-demo-${runId}`;
  const sink = createEventSink(config, { clientId: `${config.kafka.clientId}-demo` });
  const store = new RedisStateStore(config.redis);
  // The live view reads the output topics with a consumer of its own.
  const buffers = new Map<string, Buffer[]>();
  const viewer = createEventSource(config, {
    groupId: `${group}-view`,
    topics: [topics.milestones, topics.windowSummaries, topics.shiftSummaries, topics.orderSummaries, topics.rejected],
  });
  const viewing = viewer.run({
    onAssign: (tps) => Promise.resolve(new Map(tps.map((tp) => [`${tp.topic}:${tp.partition}`, '0']))),
    onRevoke: () => Promise.resolve(),
    onBatch: (batch) => {
      const list = buffers.get(batch.topic) ?? [];
      for (const r of batch.records) if (r.value !== null) list.push(r.value);
      buffers.set(batch.topic, list);
      return Promise.resolve();
    },
  });
  // For bounded runs: has stage 1 committed the raw topic to its end (the group's offsets)?
  const admin = createKafkaJs(config, undefined, `${config.kafka.clientId}-demo-admin`).admin();
  await admin.connect();
  const ends = async (topic: string): Promise<Map<number, string>> =>
    new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  return {
    name: `Kafka ${config.kafka.brokers.join(',')} (topics *${suffix})`,
    topology,
    codecs,
    deps: {
      mapperSource: createEventSource(config, { groupId: `${group}-map`, topics: [topics.raw] }),
      windowSource: createEventSource(config, { groupId: `${group}-window`, topics: [topics.enriched] }),
      windowGroupId: `${group}-window`,
      sink,
      store,
      enrichedPartitions: counts.get(topics.enriched) ?? PARTITIONS,
      sourcePartitions: counts.get(topics.raw) ?? PARTITIONS,
    },
    appendRaw: (records) => sink.send(records),
    rawPartitions: counts.get(topics.raw) ?? PARTITIONS,
    take(topic) {
      const list = buffers.get(topic) ?? [];
      buffers.set(topic, []);
      return list;
    },
    async caughtUp(positions) {
      const [raw, enriched, committed] = await Promise.all([
        ends(topics.raw),
        ends(topics.enriched),
        admin.fetchOffsets({ groupId: `${group}-map`, topics: [topics.raw] }),
      ]);
      const rawAt = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
      const next = new Map(positions.map((p) => [p.partition, p.nextOffset]));
      return (
        [...raw].every(([p, end]) => end === '0' || rawAt.get(p) === end) &&
        [...enriched].every(([p, end]) => end === '0' || next.get(p) === end)
      );
    },
    async close() {
      await admin.disconnect().catch(() => undefined);
      await viewer.stop();
      await viewing.catch(() => undefined);
      await Promise.allSettled([sink.close(), store.close()]);
    },
  };
}
