// Addresses of the shared servers for the adapter integration tests: the environment
// (scripts/test.mjs passes SHIFTSTREAM_*), else .infra/env.json written by `node scripts/infra.mjs up`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/types.js';

function infraEnv(): Record<string, string> {
  const file = process.env['SHIFTSTREAM_INFRA_ENV_FILE'] ?? join(process.cwd(), '.infra', 'env.json');
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, 'utf8')) as { env?: Record<string, string> }).env ?? {};
}

/** A Config pointing at the shared servers, with `overrides` as extra env (e.g. the client). */
export function integrationConfig(overrides: Record<string, string> = {}): Config {
  const fromFile = infraEnv();
  const env: Record<string, string | undefined> = { ...fromFile };
  for (const k of ['SHIFTSTREAM_KAFKA__BROKERS', 'SHIFTSTREAM_REGISTRY__URL', 'SHIFTSTREAM_REDIS__URL']) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  if (env['SHIFTSTREAM_KAFKA__BROKERS'] === undefined) {
    throw new Error(
      'integration tests need Kafka: set SHIFTSTREAM_KAFKA__BROKERS ' +
        'or run `node scripts/infra.mjs up` (writes .infra/env.json)',
    );
  }
  return loadConfig({ env: { ...env, SHIFTSTREAM_LOG__LEVEL: 'silent', ...overrides } });
}

/** Creates a topic with `partitions` partitions and waits until the broker lists it. */
export async function createKafkaTopic(config: Config, topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({
    clientId: 'adapter-tests-admin',
    brokers: [...config.kafka.brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
