// Doctor probe of Redis: reachable, version.
// The connection options are the state store's (redisOptionsFromConfig: URL, username, password,
// TLS with redis.tlsCaPath), so doctor checks exactly what `run` will use; only the retries differ.
import { Redis } from 'ioredis';
import type { Config } from '../../config/types.js';
import { redisAddress, redisOptionsFromConfig } from '../redis/redis-state-store.js';
import { errorText, type ProbeLine } from './probe.js';

export async function probeRedis(config: Config, timeoutMs: number): Promise<ProbeLine[]> {
  const shown = redisAddress(config.redis.url);
  let redis: Redis;
  try {
    redis = new Redis({
      ...redisOptionsFromConfig(config.redis, { connectTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs }),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
  } catch (err) {
    return [
      {
        server: 'redis',
        status: 'fail',
        message: `${shown}: expected a usable Redis configuration, found: ${errorText(err)}`,
      },
    ];
  }
  let lastError: unknown;
  redis.on('error', (err: unknown) => {
    lastError = err;
  }); // reported through the awaited calls below
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
    return [{ server: 'redis', status: 'ok', message: `${shown}: reachable, Redis ${version}` }];
  } catch (err) {
    return [
      {
        server: 'redis',
        status: 'fail',
        message: `${shown}: expected a reachable Redis within ${timeoutMs} ms, found: ${errorText(lastError ?? err)}`,
      },
    ];
  } finally {
    redis.disconnect();
  }
}
