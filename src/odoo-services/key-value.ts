// A tiny key-value port for the services' own state in Redis (milestone ledger, orders cursor).
// The Redis adapter is built in wiring.ts from an ioredis client; tests use the in-memory one.
import { RedisError } from '../errors.js';

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
}

export function createMemoryKeyValue(): KeyValueStore & { readonly data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
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
}

/** Redis failures become retryable SHIFTSTREAM_REDIS errors (the posters pause and retry). */
export function keyValueOnRedis(redis: RedisLike, prefix: string, retentionMs?: number): KeyValueStore {
  async function guard<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new RedisError('SHIFTSTREAM_REDIS', `odoo services state (redis): ${what} ${prefix}${key} failed: ${(cause as Error).message}`, { cause, details: { prefix, key } });
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
  };
}
