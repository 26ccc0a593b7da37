// Broker address, topic admin and offsets for the benchmarks (kafkajs admin).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

/**
 * The environment of the infrastructure (`.infra/env.json`, written by scripts/infra.mjs), overridden by process.env.
 */
export function infraEnv() {
  const file = join(ROOT, '.infra', 'env.json');
  const fromFile = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).env : {};
  const out = { ...fromFile };
  for (const k of ['SHIFTSTREAM_KAFKA__BROKERS', 'SHIFTSTREAM_REGISTRY__URL', 'SHIFTSTREAM_REDIS__URL'])
    if (process.env[k]) out[k] = process.env[k];
  return out;
}

export const brokers = () => (infraEnv().SHIFTSTREAM_KAFKA__BROKERS ?? '127.0.0.1:9092').split(',');

export async function withAdmin(fn) {
  const admin = new Kafka({ clientId: 'bench-admin', brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** `configs`: topic settings, e.g. { 'retention.ms': '-1' }. */
export async function createTopic(topic, partitions, configs = {}) {
  const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
  await withAdmin((a) =>
    a.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }],
      waitForLeaders: true,
    }),
  );
}

/**
 * The peers' summary topics: their records carry event-time timestamps (the simulated plant's, months
 * old), which the broker's time retention (24 h) deletes within minutes; kept until the run's cleanup.
 */
export const KEEP_EVENT_TIME = { 'retention.ms': '-1' };

export async function topicEndTotal(topic) {
  return withAdmin(async (a) => (await a.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0));
}

/** Offsets committed by a consumer group on a topic, summed over its partitions (none: 0). */
export async function groupCommittedTotal(groupId, topic) {
  return withAdmin(async (a) => {
    const [t] = await a.fetchOffsets({ groupId, topics: [topic] });
    return (t?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  });
}

export async function topicExists(topic) {
  return withAdmin(async (a) => (await a.listTopics()).includes(topic));
}

/** Deletes the benchmark's topics with this prefix (outputs of earlier runs). */
export async function deleteTopicsWithPrefix(prefix) {
  await withAdmin(async (a) => {
    const topics = (await a.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await a.deleteTopics({ topics, timeout: 30_000 });
    return topics;
  });
}
