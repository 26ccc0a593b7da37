// Topic administration for `run` and `simulate`: create what a topology needs, read partition counts.
import type { Config } from '../../config/types.js';
import { KafkaError } from '../../errors.js';
import type { TopicsPlan } from '../../topology/types.js';
import { createKafkaJs } from './kafkajs-config.js';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Summaries are keyed by (plant, work center, window): compaction keeps the last revision. */
  readonly compacted?: boolean;
}

/** The topics of a topology: summaries compacted, the rest plain; `partitions` for each. */
export function topologyTopicSpecs(topics: TopicsPlan, partitions: number): TopicSpec[] {
  return [
    { topic: topics.raw, partitions },
    { topic: topics.canonical, partitions },
    { topic: topics.enriched, partitions },
    { topic: topics.milestones, partitions },
    { topic: topics.windowSummaries, partitions, compacted: true },
    { topic: topics.shiftSummaries, partitions, compacted: true },
    { topic: topics.orderSummaries, partitions, compacted: true },
    { topic: topics.rejected, partitions },
    { topic: topics.late, partitions },
  ];
}

/** Creates the missing topics; returns the partition count of every topic asked for. */
export async function ensureTopics(config: Config, specs: readonly TopicSpec[]): Promise<Map<string, number>> {
  const admin = createKafkaJs(config, undefined, `${config.kafka.clientId}-admin`).admin();
  const where = config.kafka.brokers.join(',');
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          configEntries: s.compacted === true ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      });
    }
    const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
    return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  } catch (err) {
    throw new KafkaError(
      'SHIFTSTREAM_KAFKA',
      `kafka ${where}: could not create or describe topics ` +
        `${specs.map((s) => s.topic).join(', ')}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
