// Redis adapter of the posting ledger (ioredis). Keys:
//   <prefix>rec:<key>          -> "pending" | "<odoo id>"
//   <prefix>shift:<shiftKey>   -> "<revision>|posted" | "<revision>|replacing"
// Every operation is one round trip (MGET or a MULTI pipeline). Optional retention (PX) bounds
// the ledger's size; it must be longer than the Kafka retention of the summary topics.
import type { Redis } from 'ioredis';
import { RedisError } from '../../errors.js';
import type { LedgerKeyState, LedgerShift, PostingLedger } from './ledger.js';
import { decodeKey, decodeShift, encodeShift } from './ledger.js';

export interface RedisLedgerOptions {
  readonly redis: Redis;
  /** e.g. `shiftstream:odoo:plant-a:` */
  readonly prefix: string;
  readonly retentionMs?: number;
}

export function createRedisLedger(options: RedisLedgerOptions): PostingLedger {
  const { redis, prefix } = options;
  const recKey = (k: string): string => `${prefix}rec:${k}`;
  const shiftKey = (s: string): string => `${prefix}shift:${s}`;

  async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new RedisError(
        'SHIFTSTREAM_REDIS',
        `odoo ledger (redis, prefix ${JSON.stringify(prefix)}): ${what} failed: ${(cause as Error).message}`,
        { cause, details: { prefix, operation: what } },
      );
    }
  }

  function set(multi: ReturnType<Redis['multi']>, key: string, value: string): void {
    if (options.retentionMs === undefined) multi.set(key, value);
    else multi.set(key, value, 'PX', options.retentionMs);
  }

  async function exec(multi: ReturnType<Redis['multi']>): Promise<void> {
    const results = await multi.exec();
    const failed = results?.find(([err]) => err !== null);
    if (failed !== undefined) throw failed[0] as Error;
  }

  return {
    getKeys: (keys) =>
      guard('read record keys', async () => {
        const out = new Map<string, LedgerKeyState>();
        if (keys.length === 0) return out;
        const values = await redis.mget(keys.map(recKey));
        keys.forEach((k, i) => {
          const v = values[i];
          const decoded = v === null || v === undefined ? undefined : decodeKey(v);
          if (decoded !== undefined) out.set(k, decoded);
        });
        return out;
      }),
    getShifts: (shifts) =>
      guard('read shifts', async () => {
        const out = new Map<string, LedgerShift>();
        if (shifts.length === 0) return out;
        const values = await redis.mget(shifts.map(shiftKey));
        shifts.forEach((s, i) => {
          const v = values[i];
          const decoded = v === null || v === undefined ? undefined : decodeShift(v);
          if (decoded !== undefined) out.set(s, decoded);
        });
        return out;
      }),
    markPending: (keys, shifts) =>
      guard('write pending markers', async () => {
        if (keys.length === 0 && shifts.size === 0) return;
        const multi = redis.multi();
        // NX: never downgrade a key that already holds an Odoo id.
        for (const k of keys) {
          if (options.retentionMs === undefined) multi.set(recKey(k), 'pending', 'NX');
          else multi.set(recKey(k), 'pending', 'PX', options.retentionMs, 'NX');
        }
        for (const [s, v] of shifts) set(multi, shiftKey(s), encodeShift(v));
        await exec(multi);
      }),
    markPosted: (keys, shifts) =>
      guard('write posted ids', async () => {
        if (keys.size === 0 && shifts.size === 0) return;
        const multi = redis.multi();
        for (const [k, id] of keys) set(multi, recKey(k), String(id));
        for (const [s, v] of shifts) set(multi, shiftKey(s), encodeShift(v));
        await exec(multi);
      }),
    clearPending: (keys) =>
      guard('clear pending markers', async () => {
        if (keys.length === 0) return;
        // Only delete keys that are still pending (a concurrent success must not be erased).
        const script =
          "for i, k in ipairs(KEYS) do if redis.call('GET', k) == 'pending' then redis.call('DEL', k) end end return 0";
        await redis.eval(script, keys.length, ...keys.map(recKey));
      }),
  };
}
