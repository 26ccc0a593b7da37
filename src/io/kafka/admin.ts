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
    return await createMissingTopics(admin, specs);
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

type KafkaJsAdmin = ReturnType<ReturnType<typeof createKafkaJs>['admin']>;

/** Errors a broker gives for a topic it has created but not yet spread to every broker's metadata. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

/**
 * Creates the topics of `specs` that are missing, then waits (up to `timeoutMs`) until every topic
 * asked for has a leader for each partition; returns their partition counts. A topic that another
 * process created meanwhile counts as there. Creating a topic and using it at once could fail with
 * "This server does not host this topic-partition" on a busy broker (seen at load 11 in a test's
 * `post`): kafkajs' `waitForLeaders` gives up after its own retries, so this keeps asking.
 */
export async function createMissingTopics(
  admin: KafkaJsAdmin,
  specs: readonly TopicSpec[],
  timeoutMs = 30_000,
): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  const deadline = Date.now() + timeoutMs;
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          configEntries: s.compacted === true ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      });
    } catch (err) {
      if (!retriableTopicError(err, new Set([...NOT_YET, 'TOPIC_ALREADY_EXISTS']))) throw err;
    }
  }
  for (let wait = 50; ; wait = Math.min(1_000, wait * 2)) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
      if (meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
        return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    } catch (err) {
      if (!retriableTopicError(err, NOT_YET) || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `topics ${specs.map((s) => s.topic).join(', ')} have no leader for every partition after ${timeoutMs} ms`,
      );
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** True when `err` (or, for createTopics, every one of its per-topic errors) is of `types`. */
function retriableTopicError(err: unknown, types: ReadonlySet<string>): boolean {
  const e = err as { type?: string; errors?: { type?: string }[] };
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every((x) => types.has(x.type ?? ''));
  return types.has(e.type ?? '');
}
