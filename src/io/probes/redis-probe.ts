// Doctor probe of Redis: reachable, version.
import { Redis } from 'ioredis';
import type { Config } from '../../config/types.js';
import { errorText, type ProbeLine } from './probe.js';

export async function probeRedis(config: Config['redis'], timeoutMs: number): Promise<ProbeLine[]> {
  const shown = config.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  const redis = new Redis(config.url, {
    lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null,
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.tls ? { tls: {} } : {}),
  });
  let lastError: unknown;
  redis.on('error', (err: unknown) => { lastError = err; }); // reported through the awaited calls below
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
    return [{ server: 'redis', status: 'ok', message: `${shown}: reachable, Redis ${version}` }];
  } catch (err) {
    return [{ server: 'redis', status: 'fail', message: `${shown}: expected a reachable Redis within ${timeoutMs} ms, found: ${errorText(lastError ?? err)}` }];
  } finally {
    redis.disconnect();
  }
}
