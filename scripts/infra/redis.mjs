// Redis: an explicit URL, else 127.0.0.1:6379 when it answers PING, else a private redis-server.
import { join } from 'node:path';
import { INFRA_DIR, ensureDir, log, msSince, pidAlive, run, spawnServer, tcpExchange, waitFor } from './util.mjs';

const PRIVATE_PORT = Number(process.env.SHIFTSTREAM_INFRA_REDIS_PORT ?? 6390);
export const REDIS_MARKER = 'redis-server';
export const redisLogPath = () => join(INFRA_DIR, 'redis', 'redis.log');

/** PING over RESP; resolves the reply line ('+PONG', '-NOAUTH ...'). */
export async function redisPing(host, port, timeoutMs = 1000) {
  const buf = await tcpExchange({ host, port, request: 'PING\r\n', done: (b) => b.includes('\r\n'), timeoutMs });
  return buf.toString('utf8').split('\r\n')[0];
}

/** Uses the shared Redis on 6379 when it answers PONG; returns null when it does not. */
export async function probeDefaultRedis() {
  try {
    const reply = await redisPing('127.0.0.1', 6379);
    if (reply === '+PONG') return 'redis://127.0.0.1:6379';
    log('redis', `127.0.0.1:6379 answered '${reply}' instead of +PONG: not usable without credentials`);
  } catch {
    /* nothing listens there */
  }
  return null;
}

export async function startRedis({ timeoutMs = 15_000 } = {}) {
  const which = run('sh', ['-c', 'command -v redis-server']);
  const address = `127.0.0.1:${PRIVATE_PORT}`;
  if (!which.ok) {
    throw new Error(
      `redis: nothing answers at 127.0.0.1:6379 and redis-server ` +
        `is not installed; install Redis or set SHIFTSTREAM_REDIS__URL`,
    );
  }
  const dir = ensureDir(join(INFRA_DIR, 'redis'));
  const logPath = redisLogPath();
  const started = Date.now();
  const child = spawnServer({
    command: which.output.trim(),
    args: [
      '--bind',
      '127.0.0.1',
      '--port',
      String(PRIVATE_PORT),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--logfile',
      '',
    ],
    cwd: dir,
    logPath,
  });
  log('redis', `starting redis-server (pid ${child.pid}) on ${address}, log ${logPath}`);
  await waitFor({
    server: 'redis',
    address,
    logPath,
    timeoutMs,
    intervalMs: 100,
    probe: async () => (await redisPing('127.0.0.1', PRIVATE_PORT)) === '+PONG',
    alive: () => pidAlive(child.pid),
  });
  log('redis', `ready in ${msSince(started)} ms`);
  return { pid: child.pid, url: `redis://${address}`, logPath };
}
