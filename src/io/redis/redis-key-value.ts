// KeyValueStore on Redis for the posting services' own state (milestone ledger, orders cursor,
// posted shift spans), every key under one prefix. Built in cli/odoo-wiring.ts from an ioredis client.
import { RedisError } from '../../errors.js';
import type { KeyValueStore } from '../../ports/key-value.js';

/** What the store needs from an ioredis client (structural: tests may pass a stand-in). */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrangebyscore(key: string, min: string, max: string): Promise<string[]>;
  zremrangebyscore(key: string, min: string, max: string): Promise<unknown>;
}

/** Redis failures become retryable SHIFTSTREAM_REDIS errors (the posters pause and retry). */
export function createRedisKeyValue(redis: RedisLike, prefix: string, retentionMs?: number): KeyValueStore {
  async function guard<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new RedisError(
        'SHIFTSTREAM_REDIS',
        `odoo services state (redis): ${what} ${prefix}${key} failed: ${(cause as Error).message}`,
        { cause, details: { prefix, key } },
      );
    }
  }
  return {
    get: (k) => guard('GET', k, () => redis.get(`${prefix}${k}`)),
    set: (k, v) =>
      guard('SET', k, async () => {
        if (retentionMs === undefined) await redis.set(`${prefix}${k}`, v);
        else await redis.set(`${prefix}${k}`, v, 'PX', retentionMs);
      }),
    del: (k) =>
      guard('DEL', k, async () => {
        await redis.del(`${prefix}${k}`);
      }),
    sortedAdd: (k, score, member, dropBelow) =>
      guard('ZADD', k, async () => {
        await redis.zadd(`${prefix}${k}`, score, member);
        if (dropBelow !== undefined) await redis.zremrangebyscore(`${prefix}${k}`, '-inf', `(${dropBelow}`);
      }),
    sortedAbove: (k, min) => guard('ZRANGEBYSCORE', k, () => redis.zrangebyscore(`${prefix}${k}`, `(${min}`, '+inf')),
  };
}
