// Both Kafka clients against a real, secured Apache Kafka broker started by this file
// (support/secure-kafka.ts): SASL_SSL with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, and SSL
// without SASL, the broker certificate verified against a throwaway test CA. Every client comes
// from loadConfig(env) through the project's own factories (createEventSink/createEventSource,
// ensureTopics), so what is proven is the configuration mapping, not a hand-built client config.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/types.js';
import { KafkaError } from '../../../src/errors.js';
import { ensureTopics } from '../../../src/io/kafka/admin.js';
import { createEventSink, createEventSource } from '../../../src/io/kafka/factory.js';
import type { SourceRecord, TopicPartition } from '../../../src/ports/event-source.js';
import { startSecureKafka, type SaslUser, type SecureKafka } from '../support/secure-kafka.js';

const CLIENTS = ['kafkajs', 'rdkafka'] as const;
type Client = (typeof CLIENTS)[number];

let kafka: SecureKafka;

beforeAll(async () => {
  kafka = await startSecureKafka();
});

afterAll(async () => {
  await kafka?.stop();
});

/** SASL_SSL as a user of one mechanism; the password goes through the environment like in production. */
function saslConfig(client: Client, user: SaslUser, env: Record<string, string> = {}): Config {
  return loadConfig({
    env: {
      SHIFTSTREAM_KAFKA__BROKERS: kafka.saslSslAddress,
      SHIFTSTREAM_KAFKA__CLIENT: client,
      SHIFTSTREAM_KAFKA__SSL: 'true',
      SHIFTSTREAM_KAFKA__SSL_CA_PATH: kafka.tls.caPath,
      SHIFTSTREAM_KAFKA__SASL__MECHANISM: user.mechanism,
      SHIFTSTREAM_KAFKA__SASL__USERNAME: user.username,
      SHIFTSTREAM_KAFKA__SASL__PASSWORD: user.password,
      SHIFTSTREAM_KAFKA__CONNECTION_TIMEOUT_MS: '5s',
      SHIFTSTREAM_LOG__LEVEL: 'silent',
      ...env,
    },
  });
}

function sslConfig(client: Client, caPath: string): Config {
  return loadConfig({
    env: {
      SHIFTSTREAM_KAFKA__BROKERS: kafka.sslAddress,
      SHIFTSTREAM_KAFKA__CLIENT: client,
      SHIFTSTREAM_KAFKA__SSL: 'true',
      SHIFTSTREAM_KAFKA__SSL_CA_PATH: caPath,
      SHIFTSTREAM_KAFKA__CONNECTION_TIMEOUT_MS: '5s',
      SHIFTSTREAM_LOG__LEVEL: 'silent',
    },
  });
}

/**
 * Creates a topic (ensureTopics over the same secured connection), produces `count` keyed records
 * with the sink, reads them back with a consumer group and commits; returns what was read.
 */
async function roundTrip(config: Config, label: string, count = 20): Promise<SourceRecord[]> {
  const topic = `security-${label}-${randomUUID().slice(0, 8)}`;
  await ensureTopics(config, [{ topic, partitions: 2 }]);
  const sink = createEventSink(config, { clientId: `security-${label}` });
  try {
    await sink.send(Array.from({ length: count }, (_, i) => ({ topic, key: `k${i}`, value: Buffer.from(`v${i}`) })));
  } finally {
    await sink.close();
  }
  const source = createEventSource(config, {
    groupId: `${topic}-group`,
    topics: [topic],
    clientId: `security-${label}`,
    sessionTimeoutMs: 10_000,
  });
  const read: SourceRecord[] = [];
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const running = source.run({
    onAssign: async (parts: readonly TopicPartition[]) =>
      new Map(parts.map((p) => [`${p.topic}:${p.partition}`, undefined])),
    onRevoke: async () => undefined,
    onBatch: async (batch) => {
      read.push(...batch.records);
      const last = batch.records.at(-1);
      if (last !== undefined)
        await source.commit([
          { topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) },
        ]);
      if (read.length >= count) resolveAll();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      all,
      running.then(() => {
        throw new Error(`${label}: the source stopped after ${read.length} of ${count} records`);
      }),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error(`${label}: read ${read.length} of ${count} records within 90 s`)),
            90_000,
          )),
      ),
    ]);
  } finally {
    clearTimeout(timer);
    await source.stop();
    await running.catch(() => undefined);
  }
  return read;
}

function expectAllRecords(read: readonly SourceRecord[], count = 20): void {
  const byKey = new Map(read.map((r) => [r.key?.toString(), r.value?.toString()]));
  expect(byKey.size).toBe(count);
  for (let i = 0; i < count; i++) expect(byKey.get(`k${i}`)).toBe(`v${i}`);
}

/** The error a send fails with: a refusal must fail the send (not hang until a test timeout). */
async function sendError(config: Config): Promise<Error> {
  const sink = createEventSink(config, { clientId: 'security-refused' });
  try {
    await sink.send([{ topic: `security-refused-${randomUUID().slice(0, 8)}`, key: 'k', value: Buffer.from('v') }]);
  } catch (err) {
    return err as Error;
  } finally {
    await sink.close();
  }
  throw new Error('expected the send to fail, found it succeeded');
}

/** The error run() rejects with. */
async function runError(config: Config): Promise<Error> {
  const source = createEventSource(config, {
    groupId: `security-refused-${randomUUID().slice(0, 8)}`,
    topics: ['security-refused'],
    clientId: 'security-refused',
  });
  try {
    await source.run({
      onAssign: async () => new Map(),
      onRevoke: async () => undefined,
      onBatch: async () => undefined,
    });
  } catch (err) {
    return err as Error;
  } finally {
    await source.stop();
  }
  throw new Error('expected run() to fail, found it resolved');
}

describe.each(CLIENTS)('%s on a secured broker', (client) => {
  it.each(['plain', 'scram256', 'scram512'] as const)('round trip over SASL_SSL with %s', async (which) => {
    expectAllRecords(await roundTrip(saslConfig(client, kafka.users[which]), `${client}-${which}`));
  });

  it('round trip over SSL only, the broker verified against kafka.sslCaPath', async () => {
    expectAllRecords(await roundTrip(sslConfig(client, kafka.tls.caPath), `${client}-ssl`));
  });

  it('reads the SASL password from SHIFTSTREAM_KAFKA__SASL__PASSWORD_FILE', async () => {
    const file = join(kafka.tls.dir, `${client}-sasl-password`);
    writeFileSync(file, `${kafka.users.scram512.password}\n`, { mode: 0o600 });
    const config = loadConfig({
      env: {
        SHIFTSTREAM_KAFKA__BROKERS: kafka.saslSslAddress,
        SHIFTSTREAM_KAFKA__CLIENT: client,
        SHIFTSTREAM_KAFKA__SSL: 'true',
        SHIFTSTREAM_KAFKA__SSL_CA_PATH: kafka.tls.caPath,
        SHIFTSTREAM_KAFKA__SASL__MECHANISM: 'scram-sha-512',
        SHIFTSTREAM_KAFKA__SASL__USERNAME: kafka.users.scram512.username,
        SHIFTSTREAM_KAFKA__SASL__PASSWORD_FILE: file,
        SHIFTSTREAM_LOG__LEVEL: 'silent',
      },
    });
    expectAllRecords(await roundTrip(config, `${client}-file`, 5), 5);
  });

  it.each(['plain', 'scram256', 'scram512'] as const)(
    "refuses a wrong %s password with the broker's authentication error, in the sink and the source",
    async (which) => {
      const config = saslConfig(client, { ...kafka.users[which], password: 'not-the-password' });
      const mechanism = { plain: 'PLAIN', scram256: 'SCRAM-SHA-256', scram512: 'SCRAM-SHA-512' }[which];
      const reason =
        which === 'plain'
          ? 'Authentication failed: Invalid username or password'
          : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
      for (const err of [await sendError(config), await runError(config)]) {
        expect(err).toBeInstanceOf(KafkaError);
        expect(err.message).toContain(reason);
        expect(err.message).not.toContain('not-the-password');
        if (client === 'rdkafka') {
          expect(err.message).toMatch(
            /: SASL authentication error: .* \(check kafka\.sasl\.mechanism, kafka\.sasl\.username and kafka\.sasl\.password\)$/,
          );
          expect((err as KafkaError).retryable).toBe(false);
        }
      }
    },
  );

  it('refuses a broker whose certificate another CA signed, naming the failed verification', async () => {
    const config = sslConfig(client, kafka.tls.otherCaPath);
    for (const err of [await sendError(config), await runError(config)]) {
      expect(err).toBeInstanceOf(KafkaError);
      if (client === 'kafkajs')
        expect(err.message).toMatch(/Connection error: self-signed certificate in certificate chain$/);
      else
        expect(err.message).toMatch(
          /ssl:\/\/127\.0\.0\.1:\d+\/bootstrap: (SSL handshake failed: )?error:0A000086:SSL routines::certificate verify failed.* \(check kafka\.sslCaPath/,
        );
    }
  });
});
