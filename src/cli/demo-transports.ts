// The demo on a real cluster: the same pipeline with the Kafka adapters, Avro through the
// registry and checkpoints in Redis. Each demo run gets its own topics and groups (suffix
// `.demo-<runId>`), so reruns never mix with earlier data.
import type { Config } from '../config/types.js';
import { createRegistryCodecs, topologySchemaTopics } from '../io/avro/codecs.js';
import { createRegistryClient } from '../io/avro/registry-client.js';
import { ensureTopics, topologyTopicSpecs } from '../io/kafka/admin.js';
import { createEventSink, createEventSource } from '../io/kafka/factory.js';
import { RedisStateStore } from '../io/redis/index.js';
import type { TopicsPlan, TopologyPlan } from '../topology/types.js';
import type { DemoTransport } from '../demo/demo.js';

const PARTITIONS = 4;

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
    topics: [topics.milestones, topics.windowSummaries, topics.shiftSummaries, topics.rejected],
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
    take(topic) {
      const list = buffers.get(topic) ?? [];
      buffers.set(topic, []);
      return list;
    },
    async close() {
      await viewer.stop();
      await viewing.catch(() => undefined);
      await Promise.allSettled([sink.close(), store.close()]);
    },
  };
}
