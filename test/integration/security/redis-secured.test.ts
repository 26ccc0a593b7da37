// RedisStateStore (and the plain client of the Odoo services) against secured redis-server
// processes started by this file: AUTH with requirepass, an ACL user, TLS with a test CA. Every
// client is built from loadConfig(env) through redisOptionsFromConfig, like `shiftstream run`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/types.js';
import { RedisError } from '../../../src/errors.js';
import { createRedisClient, RedisStateStore } from '../../../src/io/redis/index.js';
import type { Checkpoint } from '../../../src/ports/state-store.js';
import { startSecureRedis, type SecureRedis } from '../support/secure-redis.js';
import { createTestTls, type TestTls } from '../support/secure-tls.js';

let dir: string;
let tls: TestTls;
let redis: SecureRedis;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shiftstream-secure-redis-'));
  tls = createTestTls(dir);
  redis = await startSecureRedis(join(dir, 'redis'), tls);
});

afterAll(async () => {
  await redis?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const config = (env: Record<string, string>): Config =>
  loadConfig({ env: { SHIFTSTREAM_LOG__LEVEL: 'silent', ...env } });

const checkpoint = (n: number): Checkpoint => ({
  offset: String(1000 + n),
  savedAtMs: 1_767_000_000_000 + n,
  snapshot: Buffer.from(`snapshot ${n} \u0000\u00ff`, 'latin1'),
});

/** Saves, loads back, deletes: the checkpoint round trip `run` does on every interval. */
async function roundTrip(c: Config, n: number): Promise<void> {
  const store = new RedisStateStore(c.redis, { connectTimeoutMs: 5_000, commandTimeoutMs: 5_000 });
  try {
    const key = `security-test/${process.pid}/${n}`;
    await store.save(key, checkpoint(n));
    expect(await store.load(key)).toEqual(checkpoint(n));
    await store.delete(key);
    expect(await store.load(key)).toBeUndefined();
  } finally {
    await store.close();
  }
}

/** The store's error for a load, with how long it took (it must fail, not hang). */
async function loadError(c: Config): Promise<{ err: RedisError; ms: number }> {
  const store = new RedisStateStore(c.redis, { connectTimeoutMs: 3_000, commandTimeoutMs: 3_000 });
  const started = Date.now();
  try {
    await store.load('security-test/never');
  } catch (err) {
    return { err: err as RedisError, ms: Date.now() - started };
  } finally {
    await store.close();
  }
  throw new Error('expected the load to fail, found it succeeded');
}

describe('Redis with AUTH (requirepass and an ACL user)', () => {
  it('saves and loads a checkpoint with the default user password from SHIFTSTREAM_REDIS__PASSWORD', async () => {
    await roundTrip(config({ SHIFTSTREAM_REDIS__URL: redis.authUrl, SHIFTSTREAM_REDIS__PASSWORD: redis.password }), 1);
  });

  it(
    'saves and loads a checkpoint as an ACL user, the ' + 'password read from SHIFTSTREAM_REDIS__PASSWORD_FILE',
    async () => {
      const secretFile = join(dir, 'redis-password');
      writeFileSync(secretFile, `${redis.aclUser.password}\n`, { mode: 0o600 });
      await roundTrip(
        config({
          SHIFTSTREAM_REDIS__URL: redis.authUrl,
          SHIFTSTREAM_REDIS__USERNAME: redis.aclUser.username,
          SHIFTSTREAM_REDIS__PASSWORD_FILE: secretFile,
        }),
        2,
      );
    },
  );

  it('lets redis.password win over a password in redis.url', async () => {
    await roundTrip(
      config({
        SHIFTSTREAM_REDIS__URL: redis.authUrl.replace('//', '//:stale-url-password@'),
        SHIFTSTREAM_REDIS__PASSWORD: redis.password,
      }),
      3,
    );
  });

  it("fails a wrong password at once with Redis' own WRONGPASS answer", async () => {
    const { err, ms } = await loadError(
      config({ SHIFTSTREAM_REDIS__URL: redis.authUrl, SHIFTSTREAM_REDIS__PASSWORD: 'not-the-password' }),
    );
    expect(err).toBeInstanceOf(RedisError);
    expect(err.message).toMatch(
      /^redis state store \(redis:\/\/127\.0\.0\.1:\d+\): load of "shiftstream:checkpoint:security-test\/never" failed: .*WRONGPASS invalid username-password pair.* \(check redis\.username and redis\.password\)$/,
    );
    expect(err.message).not.toContain('not-the-password');
    expect(err.retryable).toBe(false);
    expect(ms).toBeLessThan(20_000);
  });

  it('fails a missing password with NOAUTH', async () => {
    const { err } = await loadError(config({ SHIFTSTREAM_REDIS__URL: redis.authUrl }));
    expect(err.message).toMatch(/NOAUTH Authentication required.* \(check redis\.username and redis\.password\)$/);
    expect(err.retryable).toBe(false);
  });
});

describe('Redis over TLS', () => {
  it('saves and loads a checkpoint over rediss:// verified against redis.tlsCaPath', async () => {
    await roundTrip(
      config({
        SHIFTSTREAM_REDIS__URL: redis.tlsUrl,
        SHIFTSTREAM_REDIS__TLS_CA_PATH: tls.caPath,
        SHIFTSTREAM_REDIS__PASSWORD: redis.password,
      }),
      4,
    );
  });

  it('also with redis://host plus redis.tls=true', async () => {
    await roundTrip(
      config({
        SHIFTSTREAM_REDIS__URL: redis.tlsUrl.replace('rediss:', 'redis:'),
        SHIFTSTREAM_REDIS__TLS: 'true',
        SHIFTSTREAM_REDIS__TLS_CA_PATH: tls.caPath,
        SHIFTSTREAM_REDIS__PASSWORD: redis.password,
      }),
      5,
    );
  });

  it('gives the Odoo services their client over TLS too (createRedisClient)', async () => {
    const client = createRedisClient(
      config({
        SHIFTSTREAM_REDIS__URL: redis.tlsUrl,
        SHIFTSTREAM_REDIS__TLS_CA_PATH: tls.caPath,
        SHIFTSTREAM_REDIS__PASSWORD: redis.password,
      }).redis,
    );
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('refuses a server whose certificate another CA signed, naming the verification failure', async () => {
    const { err, ms } = await loadError(
      config({
        SHIFTSTREAM_REDIS__URL: redis.tlsUrl,
        SHIFTSTREAM_REDIS__TLS_CA_PATH: tls.otherCaPath,
        SHIFTSTREAM_REDIS__PASSWORD: redis.password,
      }),
    );
    expect(err).toBeInstanceOf(RedisError);
    expect(err.message).toMatch(
      /^redis state store \(rediss:\/\/127\.0\.0\.1:\d+\): load of .* failed: .*The connection failed with: self-signed certificate in certificate chain \(check redis\.tlsCaPath/,
    );
    expect(err.retryable).toBe(false);
    expect(ms).toBeLessThan(20_000);
  });

  it('refuses it with the system CAs as well (no redis.tlsCaPath)', async () => {
    const { err } = await loadError(
      config({ SHIFTSTREAM_REDIS__URL: redis.tlsUrl, SHIFTSTREAM_REDIS__PASSWORD: redis.password }),
    );
    expect(err.message).toMatch(/self-signed certificate in certificate chain \(check redis\.tlsCaPath/);
  });
});
