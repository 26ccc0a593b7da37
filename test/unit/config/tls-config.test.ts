// TLS CA files, Redis credentials and the rdkafka refusal watcher: the unit half of what
// test/integration/security/*.test.ts proves on real secured servers.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, KafkaClientEvents } from 'node-rdkafka';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';
import { kafkaJsConfig } from '../../../src/io/kafka/kafkajs-config.js';
import { rdKafkaGlobalConfig, watchRdKafkaRefusal } from '../../../src/io/kafka/rdkafka-config.js';
import { redisOptionsFromConfig } from '../../../src/io/redis/redis-state-store.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const dir = mkdtempSync(join(tmpdir(), 'shiftstream-tls-config-'));
const caPath = join(dir, 'ca.pem');
writeFileSync(caPath, PEM);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).details['problems'] as string[];
  }
  return [];
}

describe('CA files in the configuration', () => {
  it('maps kafka.sslCaPath to kafkajs (the PEM text) and librdkafka (the path)', () => {
    const c = loadConfig({ env: { SHIFTSTREAM_KAFKA__SSL: 'true', SHIFTSTREAM_KAFKA__SSL_CA_PATH: caPath } });
    expect(c.kafka.sslCaPath).toBe(caPath);
    expect(kafkaJsConfig(c).ssl).toEqual({ ca: [PEM] });
    expect(rdKafkaGlobalConfig(c)).toMatchObject({ 'security.protocol': 'ssl', 'ssl.ca.location': caPath });
    const system = loadConfig({ env: { SHIFTSTREAM_KAFKA__SSL: 'true' } });
    expect(kafkaJsConfig(system).ssl).toBe(true);
    expect(rdKafkaGlobalConfig(system)).not.toHaveProperty('ssl.ca.location');
  });

  it('maps redis.tlsCaPath to the ioredis TLS options', () => {
    const c = loadConfig({
      env: { SHIFTSTREAM_REDIS__URL: 'rediss://r:6380', SHIFTSTREAM_REDIS__TLS_CA_PATH: caPath },
    });
    expect(redisOptionsFromConfig(c.redis).tls).toEqual({ ca: PEM });
    expect(
      redisOptionsFromConfig(loadConfig({ env: { SHIFTSTREAM_REDIS__URL: 'rediss://r:6380' } }).redis).tls,
    ).toEqual({});
    expect(redisOptionsFromConfig(loadConfig({ env: {} }).redis).tls).toBeUndefined();
  });

  it('refuses a CA without TLS, an unreadable CA file and a file without a certificate', () => {
    const notPem = join(dir, 'key.pem');
    writeFileSync(notPem, '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
    expect(
      problemsOf({
        SHIFTSTREAM_KAFKA__SSL_CA_PATH: caPath,
        SHIFTSTREAM_REDIS__TLS_CA_PATH: caPath,
        SHIFTSTREAM_REDIS__URL: 'redis://:pw@r:6379',
      }),
    ).toEqual([
      'kafka.sslCaPath: expected kafka.ssl=true with it (the CA ' +
        "verifies the brokers' TLS certificates), found kafka.ssl=false",
      'redis.tlsCaPath: expected redis.tls=true or a rediss:// ' +
        'redis.url with it, found redis.tls=false and "redis://r:6379"',
    ]);
    const problems = problemsOf({
      SHIFTSTREAM_KAFKA__SSL: 'true',
      SHIFTSTREAM_KAFKA__SSL_CA_PATH: join(dir, 'missing.pem'),
      SHIFTSTREAM_REDIS__TLS: 'true',
      SHIFTSTREAM_REDIS__TLS_CA_PATH: notPem,
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^kafka\.sslCaPath: expected a readable PEM CA file, found ENOENT: no such file or directory/,
    );
    expect(problems[1]).toBe(
      `redis.tlsCaPath: expected a PEM file with at least one '-----BEGIN ` +
        `CERTIFICATE-----' block, found none in ${JSON.stringify(notPem)}`,
    );
  });

  it('prints CA paths and the Redis user, masks the passwords', () => {
    const c = loadConfig({
      env: {
        SHIFTSTREAM_KAFKA__SSL: 'true',
        SHIFTSTREAM_KAFKA__SSL_CA_PATH: caPath,
        SHIFTSTREAM_REDIS__USERNAME: 'u',
        SHIFTSTREAM_REDIS__PASSWORD: 'p',
      },
    });
    expect(redactConfig(c).kafka.sslCaPath).toBe(caPath);
    expect(redactConfig(c).redis).toMatchObject({ username: 'u', password: '[redacted]' });
  });
});

describe('Redis connection options', () => {
  it('takes host, port and db from the URL and credentials from the config over the URL', () => {
    const url = 'redis://url-user:url-pw@r1:6380/2';
    expect(redisOptionsFromConfig(loadConfig({ env: { SHIFTSTREAM_REDIS__URL: url } }).redis)).toMatchObject({
      host: 'r1',
      port: 6380,
      db: 2,
      username: 'url-user',
      password: 'url-pw',
    });
    // ioredis itself would let the URL's password win over `password`: the configured secret must.
    expect(
      redisOptionsFromConfig(
        loadConfig({
          env: { SHIFTSTREAM_REDIS__URL: url, SHIFTSTREAM_REDIS__USERNAME: 'u', SHIFTSTREAM_REDIS__PASSWORD: 'p' },
        }).redis,
      ),
    ).toMatchObject({ username: 'u', password: 'p' });
    const plain = redisOptionsFromConfig(loadConfig({ env: { SHIFTSTREAM_REDIS__URL: 'redis://[::1]' } }).redis);
    expect(plain).toMatchObject({ host: '::1', port: 6379 });
    expect(plain).not.toHaveProperty('password');
    expect(plain).not.toHaveProperty('db');
    expect(
      redisOptionsFromConfig(loadConfig({ env: { SHIFTSTREAM_REDIS__URL: 'redis://:p%40ss@r' } }).redis).password,
    ).toBe('p@ss');
  });

  it('refuses a path that is not a database number', () => {
    expect(() =>
      redisOptionsFromConfig(loadConfig({ env: { SHIFTSTREAM_REDIS__URL: 'redis://:pw@r:6379/cache' } }).redis),
    ).toThrow(
      'redis.url: expected a database number after the host ' +
        '(redis://host:port/2), found "/cache" in redis://r:6379/cache',
    );
  });
});

describe('watchRdKafkaRefusal', () => {
  const client = (): EventEmitter & Client<KafkaClientEvents> =>
    new EventEmitter() as EventEmitter & Client<KafkaClientEvents>;
  const log = (message: string, severity = 3) => ({ severity, fac: 'FAIL', message });

  it('reports a refused SASL login once, with the broker, the reason and the keys to check', () => {
    const c = client();
    const reasons: string[] = [];
    watchRdKafkaRefusal(c, (r) => reasons.push(r));
    c.emit(
      'event.log',
      log(
        '[thrd:x]: sasl_ssl://b:9094/bootstrap: Connect to ipv4#127.0.0.1:9094 ' +
          'failed: Connection refused (after 0ms in state CONNECT)',
      ),
    );
    c.emit(
      'event.log',
      log(
        '[thrd:x]: sasl_ssl://b:9094/bootstrap: SASL authentication error: Authentication failed: ' +
          'Invalid username or password (after 302ms in state AUTH_REQ, 1 identical error(s) suppressed)',
        6,
      ),
    );
    expect(reasons).toEqual([]);
    c.emit(
      'event.log',
      log(
        '[thrd:x]: sasl_ssl://b:9094/bootstrap: SASL authentication error: Authentication failed: ' +
          'Invalid username or password (after 302ms in state AUTH_REQ, 1 identical error(s) suppressed)',
      ),
    );
    c.emit(
      'event.log',
      log('[thrd:x]: sasl_ssl://b:9094/bootstrap: SASL authentication error: again (after 1ms in state AUTH_REQ)'),
    );
    expect(reasons).toEqual([
      'sasl_ssl://b:9094/bootstrap: SASL authentication error: Authentication failed: Invalid ' +
        'username or password (check kafka.sasl.mechanism, kafka.sasl.username and kafka.sasl.password)',
    ]);
    expect(c.listenerCount('event.log')).toBe(0);
  });

  it('reports a failed certificate check, and nothing once stopped', () => {
    const c = client();
    const reasons: string[] = [];
    const stop = watchRdKafkaRefusal(c, (r) => reasons.push(r));
    c.emit(
      'event.log',
      log(
        '[thrd:ssl://b:9093/bootstrap]: ssl://b:9093/bootstrap: SSL handshake ' +
          'failed: error:0A000086:SSL routines::certificate verify failed: broker ' +
          'certificate could not be verified (after 29ms in state SSL_HANDSHAKE)',
      ),
    );
    expect(reasons).toEqual([
      'ssl://b:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate ' +
        'verify failed: broker certificate could not be verified (check kafka.sslCaPath: the ' +
        "CA must have signed the brokers' certificates, which must name the broker address)",
    ]);
    const other = client();
    const none: string[] = [];
    watchRdKafkaRefusal(other, (r) => none.push(r))();
    other.emit(
      'event.log',
      log(
        '[thrd:x]: ssl://b:9093/bootstrap: error:0A000086:SSL ' +
          'routines::certificate verify failed (after 5ms in state SSL_HANDSHAKE)',
      ),
    );
    expect(none).toEqual([]);
    expect(stop).toBeTypeOf('function');
  });
});
