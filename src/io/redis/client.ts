// A plain ioredis client from the configuration (TLS, password, timeouts as the state store),
// for services that keep small state of their own (the Odoo ledger, cursors).
import { Redis } from 'ioredis';
import type { Config } from '../../config/types.js';
import { redisOptionsFromConfig } from './redis-state-store.js';

export type RedisClient = Redis;

export function createRedisClient(redis: Config['redis']): RedisClient {
  return new Redis({ ...redisOptionsFromConfig(redis), lazyConnect: false });
}
