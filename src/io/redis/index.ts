export { createRedisClient, type RedisClient } from './client.js';
export {
  RedisStateStore,
  decodeCheckpoint,
  encodeCheckpoint,
  redisAddress,
  redisOptionsFromConfig,
  type RedisStateStoreOptions,
} from './redis-state-store.js';
export { createRedisKeyValue, type RedisLike } from './redis-key-value.js';
