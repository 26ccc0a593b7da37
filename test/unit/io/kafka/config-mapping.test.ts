import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/index.js';
import { kafkaJsConfig } from '../../../../src/io/kafka/kafkajs-config.js';
import { KafkaJsEventSink } from '../../../../src/io/kafka/kafkajs-event-sink.js';
import { createKafkaJs } from '../../../../src/io/kafka/kafkajs-config.js';
import { rdKafkaGlobalConfig } from '../../../../src/io/kafka/rdkafka-config.js';
import { redisOptionsFromConfig, redisAddress } from '../../../../src/io/redis/redis-state-store.js';

const secure = loadConfig({
  env: {
    SHIFTSTREAM_KAFKA__BROKERS: 'k1:9093,k2:9093',
    SHIFTSTREAM_KAFKA__SSL: 'true',
    SHIFTSTREAM_KAFKA__SASL__MECHANISM: 'scram-sha-512',
    SHIFTSTREAM_KAFKA__SASL__USERNAME: 'svc',
    SHIFTSTREAM_KAFKA__SASL__PASSWORD: 's3cret',
    SHIFTSTREAM_REDIS__URL: 'redis://:pw-in-url@r1:6380/2',
    SHIFTSTREAM_REDIS__TLS: 'true',
    SHIFTSTREAM_REDIS__PASSWORD: 'redis-pw',
  },
});

describe('Kafka client configuration from Config', () => {
  it('maps brokers, TLS and SASL SCRAM to kafkajs', () => {
    const c = kafkaJsConfig(secure);
    expect(c.brokers).toEqual(['k1:9093', 'k2:9093']);
    expect(c.ssl).toBe(true);
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: 's3cret' });
    expect(c.connectionTimeout).toBe(secure.kafka.connectionTimeoutMs);
  });

  it('maps brokers, TLS and SASL SCRAM to librdkafka properties', () => {
    expect(rdKafkaGlobalConfig(secure, 'cid')).toMatchObject({
      'metadata.broker.list': 'k1:9093,k2:9093',
      'client.id': 'cid',
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'svc',
      'sasl.password': 's3cret',
    });
    const plain = loadConfig({
      env: {
        SHIFTSTREAM_KAFKA__SASL__MECHANISM: 'plain',
        SHIFTSTREAM_KAFKA__SASL__USERNAME: 'u',
        SHIFTSTREAM_KAFKA__SASL__PASSWORD: 'p',
      },
    });
    expect(rdKafkaGlobalConfig(plain)).toMatchObject({
      'security.protocol': 'sasl_plaintext',
      'sasl.mechanisms': 'PLAIN',
    });
    expect(rdKafkaGlobalConfig(loadConfig({ env: {} }))['security.protocol']).toBe('plaintext');
  });

  it('refuses lz4 with kafkajs, naming the alternatives', () => {
    expect(() => new KafkaJsEventSink(createKafkaJs(secure), { compression: 'lz4' })).toThrow(
      /expected none or gzip with client kafkajs, or use kafka.client=rdkafka/,
    );
  });
});

describe('Redis options from Config', () => {
  it('uses the configured password and TLS, and keeps credentials out of the address', () => {
    const o = redisOptionsFromConfig(secure.redis);
    expect(o.password).toBe('redis-pw');
    expect(o.tls).toEqual({});
    expect(redisAddress(secure.redis.url)).toBe('redis://r1:6380/2');
  });
});
