// The state-store contract on the shared Redis, plus its failure messages.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RedisError } from '../../../src/errors.js';
import { RedisStateStore, decodeCheckpoint, encodeCheckpoint } from '../../../src/io/redis/index.js';
import { stateStoreContract } from './contract.js';
import { integrationConfig } from './env.js';

describe('RedisStateStore contract', () => {
  const run = randomUUID().slice(0, 8);
  const config = integrationConfig({ SHIFTSTREAM_REDIS__KEY_PREFIX: `contract-${run}:` });
  stateStoreContract(() => ({
    store: () => new RedisStateStore(config.redis),
    uniqueName: (label) => `${label}-${randomUUID().slice(0, 8)}`,
  }));
});

describe('RedisStateStore failures', () => {
  it('fails fast with a RedisError naming the address when Redis is unreachable', async () => {
    const config = integrationConfig({ SHIFTSTREAM_REDIS__URL: 'redis://127.0.0.1:1' });
    const store = new RedisStateStore(config.redis, { connectTimeoutMs: 300, commandTimeoutMs: 300 });
    const t0 = Date.now();
    const err = await store.load('p0').then(
      () => undefined,
      (e: unknown) => e,
    );
    await store.close();
    expect(err).toBeInstanceOf(RedisError);
    expect((err as RedisError).message).toMatch(
      /^redis state store \(redis:\/\/127\.0\.0\.1:1\): load of "shiftstream:checkpoint:p0" failed: /,
    );
    expect((err as RedisError).retryable).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('refuses a value that is not a checkpoint, saying what it found', () => {
    expect(() => decodeCheckpoint(Buffer.from('hello world, not ours'), 'key k')).toThrow(
      'key k: expected a checkpoint starting with "SSCP", found 21 bytes starting "hell"',
    );
    const ok = encodeCheckpoint({ offset: '5', snapshot: Buffer.from('x'), savedAtMs: 3 });
    expect(() => decodeCheckpoint(ok.subarray(0, 15), 'key k')).toThrow(
      'key k: checkpoint truncated: header needs 16 bytes, found 15',
    );
    expect(() => encodeCheckpoint({ offset: '-1', snapshot: Buffer.alloc(0), savedAtMs: 0 })).toThrow(
      'checkpoint offset must be a non-negative integer string, found "-1"',
    );
  });
});
