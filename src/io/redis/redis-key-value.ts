// A tiny key-value port for the services' own state in Redis (milestone ledger, orders cursor, posted
// shift spans). The Redis adapter is built in wiring.ts from an ioredis client; tests use the in-memory one.
import { RedisError } from '../../errors.js';

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
  /** Sorted set `key`: adds `member` scored `score` (or re-scores it), then drops members scored below `dropBelow`. */
  sortedAdd(key: string, score: number, member: string, dropBelow?: number): Promise<void>;
  /** Sorted set `key`: the members scored above `minExclusive`, by ascending score. */
  sortedAbove(key: string, minExclusive: number): Promise<string[]>;
}

export function createMemoryKeyValue(): KeyValueStore & {
  readonly data: Map<string, string>;
  readonly sorted: Map<string, Map<string, number>>;
} {
  const data = new Map<string, string>();
  const sorted = new Map<string, Map<string, number>>();
  return {
    data,
    sorted,
    sortedAdd: async (k, score, member, dropBelow) => {
      const set = sorted.get(k) ?? new Map<string, number>();
      sorted.set(k, set);
      set.set(member, score);
      if (dropBelow !== undefined) for (const [m, sc] of set) if (sc < dropBelow) set.delete(m);
    },
    sortedAbove: async (k, min) =>
      [...(sorted.get(k) ?? new Map<string, number>())]
        .filter(([, sc]) => sc > min)
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([m]) => m),
    get: async (k) => data.get(k) ?? null,
    set: async (k, v) => {
      data.set(k, v);
    },
    del: async (k) => {
      data.delete(k);
    },
  };
}

/** What wiring.ts needs from an ioredis client (kept structural so this folder does not import ioredis). */
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
export function keyValueOnRedis(redis: RedisLike, prefix: string, retentionMs?: number): KeyValueStore {
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
