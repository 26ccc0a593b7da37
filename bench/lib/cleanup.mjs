// Removes what one bench invocation (run id `stamp`) created: its output topics, its Redis
// checkpoints and its consumer groups. The pre-loaded bench.raw.v1.* topics stay for the next run.
import { Redis } from 'ioredis';
import { deleteTopicsWithPrefix, infraEnv, withAdmin } from './kafka.mjs';

export async function cleanupRun(stamp, log) {
  await deleteTopicsWithPrefix(`bench.${stamp}-`).catch((err) => log(`cleanup: topics: ${err.message}`));
  await deleteTopicsWithPrefix(`bench.raw.${stamp}-`).catch((err) => log(`cleanup: topics: ${err.message}`));
  const redis = new Redis(infraEnv().SHIFTSTREAM_REDIS__URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*bench-${stamp}-*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  await withAdmin(async (a) => {
    const groups = (await a.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.includes(`-${stamp}-`) || g.includes(`bench-${stamp}-`));
    if (groups.length > 0) await a.deleteGroups(groups).catch(() => {});
  }).catch(() => {});
}
