// The chain end to end against the real servers: schemas from schemas/ registered in the registry,
// Avro wire-format records produced with kafkajs and node-rdkafka, consumed with each client,
// decoded and compared; the broker's version and the registry's ids asserted.
import type { Schema } from 'avsc';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import RdKafka from 'node-rdkafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAvroDecoder,
  createAvroEncoder,
  createRegistryClient,
  loadAllSchemas,
  registerTopicSchemas,
  SCHEMA_FOR_TOPIC_ROLE,
  type RegisteredTopic,
  type RegistryClient,
} from '../../src/io/avro/index.js';
import type { RawSample } from '../../src/core/types.js';
import { eventually, FAIL_FAST, integrationEnv, uniqueName } from './support/env.js';
import { fetchApiVersions } from './support/kafka-api-versions.js';

const env = integrationEnv();
const schemas = loadAllSchemas();
const rawType = schemas.get('RawSample')!.type;
/** The wire shape of RawSample (`ts` as in docs/semantics.md section 1). */
type WireSample = Omit<RawSample, 'tsMs'> & { ts: number };

const kafka = new Kafka({
  clientId: 'shiftstream-smoke',
  brokers: [...env.brokers],
  logLevel: logLevel.NOTHING,
  ...FAIL_FAST.kafkajs,
});
let admin: Admin;
let registry: RegistryClient;
let registered: RegisteredTopic[];
const run = uniqueName('smoke');
const topics = Object.fromEntries(Object.keys(SCHEMA_FOR_TOPIC_ROLE).map((role) => [role, `${run}.${role}`])) as Record<
  keyof typeof SCHEMA_FOR_TOPIC_ROLE,
  string
>;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  registry = createRegistryClient({ url: env.registryUrl, timeoutMs: 5_000 });
  registered = await registerTopicSchemas(registry, topics);
  await admin.createTopics({
    topics: [{ topic: topics.raw, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
});

afterAll(async () => {
  await admin?.disconnect();
});

describe('smoke: real broker, registry and Redis', () => {
  it('talks to a Kafka 4.x broker of the launched release (ApiVersions on the wire)', async () => {
    const described = await admin.describeCluster();
    expect(described.brokers.length).toBeGreaterThanOrEqual(1);
    const versions = await fetchApiVersions(env.brokers[0] ?? '');
    // Kafka 4.0 removed Fetch v0-v3 (KIP-896): a 3.x broker still lists min version 0.
    expect(versions.apis.get(1)?.min).toBeGreaterThanOrEqual(4);
    const mv = versions.finalizedFeatures.get('metadata.version');
    expect(mv, 'broker reports a finalized metadata.version').toBeDefined();
    const expected = env.launched?.kafka?.metadataVersion;
    if (expected) {
      // The level Kafka's own storage tool maps the launched release to (e.g. 33 = 4.4-IV2 for 4.4.0).
      expect(mv?.max).toBe(expected.level);
      expect(expected.name.startsWith((env.launched?.kafka?.version ?? '').split('.').slice(0, 2).join('.'))).toBe(
        true,
      );
    } else {
      expect(mv?.max).toBeGreaterThanOrEqual(22); // 4.0-IV0 is the first 4.x metadata.version level
    }
  });

  it('registered every shipped schema under <topic>-value with BACKWARD enforced', async () => {
    expect(await registry.compatibility()).toBe('BACKWARD');
    expect(registered.map((r) => r.subject).sort()).toEqual(
      Object.values(topics)
        .map((t) => `${t}-value`)
        .sort(),
    );
    // Ask for each subject directly: a long-lived registry lists only its first 1,000 subjects.
    for (const r of registered) {
      const latest = await registry.latest(r.subject);
      expect(latest, r.subject).toBeDefined();
      expect(latest?.id).toBe(r.id);
      // Compare parsed schemas, never strings: the registry compacts them.
      const text = await registry.fetchSchema(r.id);
      expect(text).toBeDefined();
      const fromRegistry = (await import('avsc')).default.Type.forSchema(JSON.parse(text ?? '{}') as Schema);
      expect(fromRegistry.fingerprint('sha256').equals(schemas.get(r.schema)!.type.fingerprint('sha256'))).toBe(true);
    }
    // Same schema, same id across subjects (Confluent semantics); different schemas, different ids.
    const id = (role: string): number | undefined =>
      registered.find((r) => r.topic === topics[role as keyof typeof topics])?.id;
    expect(id('canonical')).toBe(id('enriched'));
    expect(id('windowSummaries')).toBe(id('shiftSummaries'));
    expect(new Set(registered.map((r) => r.id)).size).toBe(7);
  });

  it('produces Avro with kafkajs and node-rdkafka, consumes with both, decodes what was sent', async () => {
    const rawId = registered.find((r) => r.topic === topics.raw)!.id;
    const encoder = createAvroEncoder<WireSample>(rawType, rawId);
    const base = 1_774_745_998_120;
    const viaKafkajs: WireSample[] = [
      { tag: 'PLANT_A.PRESS_03.STATE', ts: base, value: 'RUN', quality: 'good' },
      { tag: 'PLANT_A.PRESS_03.GOOD', ts: base + 1, value: 1234.5, quality: 'uncertain' },
      { tag: 'PLANT_A.PRESS_03.HB', ts: base + 2, value: true, quality: 'bad' },
    ];
    const viaRdkafka: WireSample[] = viaKafkajs.map((s, i) => ({ ...s, ts: s.ts + 1000 + i }));

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.raw,
      messages: viaKafkajs.map((s) => ({ key: 'kafkajs', value: encoder.encode(s) })),
    });
    await producer.disconnect();

    await rdkafkaProduce(
      topics.raw,
      viaRdkafka.map((s) => encoder.encode(s)),
    );

    const expected = [...viaKafkajs, ...viaRdkafka];
    const decoder = createAvroDecoder<WireSample>(rawType, registry);

    const byKafkajs = await kafkajsConsume(topics.raw, expected.length);
    const byRdkafka = await rdkafkaConsume(topics.raw, expected.length);
    for (const values of [byKafkajs, byRdkafka]) {
      await decoder.prepare(values);
      const decoded = values.map((v) => decoder.decode(v));
      expect(decoded.map((d) => (d.ok ? d.schemaId : d.detail))).toEqual(expected.map(() => rawId));
      expect(decoded.map((d) => (d.ok ? d.value : null))).toEqual(expected);
    }
  });

  it('reaches Redis and reads its version', async () => {
    const redis = new Redis(env.redisUrl, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
      const info = await redis.info('server');
      expect(info).toMatch(/redis_version:\d+\.\d+/);
    } finally {
      redis.disconnect();
    }
  });
});

async function kafkajsConsume(topic: string, count: number): Promise<Buffer[]> {
  const consumer = kafka.consumer({
    groupId: uniqueName('smoke-kafkajs'),
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const values: Buffer[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) values.push(message.value);
      },
    });
    await eventually(`kafkajs consumer reading ${count} records from ${topic}`, 30_000, () =>
      values.length >= count ? true : undefined,
    );
  } finally {
    await consumer.disconnect();
  }
  return values;
}

function rdkafkaProduce(topic: string, values: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const producer = new RdKafka.Producer({
      'metadata.broker.list': env.brokers.join(','),
      dr_cb: true,
      ...FAIL_FAST.rdkafka,
    });
    let delivered = 0;
    const fail = (err: { message: string }): void => {
      producer.disconnect();
      reject(new Error(`node-rdkafka producer on ${env.brokers.join(',')}: ${err.message}`));
    };
    producer.on('event.error', fail);
    producer.on('delivery-report', (err) => {
      if (err) return fail(err);
      if (++delivered === values.length) producer.disconnect(() => resolve());
    });
    producer.setPollInterval(50);
    producer.connect({ timeout: 10_000 }, (err) => {
      if (err) return fail(err);
      for (const v of values) producer.produce(topic, null, v, 'rdkafka');
    });
  });
}

function rdkafkaConsume(topic: string, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const consumer = new RdKafka.KafkaConsumer(
      {
        'group.id': uniqueName('smoke-rdkafka'),
        'metadata.broker.list': env.brokers.join(','),
        'enable.auto.commit': false,
        ...FAIL_FAST.rdkafka,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    const values: Buffer[] = [];
    const deadline = Date.now() + 30_000;
    const finish = (err: { message: string } | null): void => {
      consumer.disconnect(() => (err ? reject(new Error(err.message)) : resolve(values)));
    };
    consumer.on('event.error', (err) =>
      finish(new Error(`node-rdkafka consumer on ${env.brokers.join(',')}: ${err.message}`)),
    );
    consumer.connect({ timeout: 10_000 }, (err) => {
      if (err)
        return reject(new Error(`node-rdkafka consumer cannot connect to ${env.brokers.join(',')}: ${err.message}`));
      consumer.subscribe([topic]);
      const poll = (): void => {
        consumer.consume(100, (e, messages) => {
          if (e) return finish(new Error(`node-rdkafka consume from ${topic}: ${e.message}`));
          for (const m of messages) if (m.value) values.push(m.value);
          if (values.length >= count) return finish(null);
          if (Date.now() > deadline)
            return finish(
              new Error(`node-rdkafka consumer read ${values.length} of ${count} records from ${topic} in 30 s`),
            );
          setImmediate(poll);
        });
      };
      poll();
    });
  });
}
