// Two secured redis-server processes per test file, on free ports (the shared Redis is untouched):
//   auth  plain TCP
//   tls   TLS only (`port 0`), certificate from secure-tls.ts, clients not asked for certificates
// Both want a password: `requirepass` for the default user, and an ACL user (AUTH user pw, Redis 6+).
// Call stop() in afterAll: it also runs at process exit, so a crashed test leaves no server behind.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { stopPid } from '../../../scripts/infra/util.mjs';
import { freePort } from '../../support/free-port.js';
import type { TestTls } from './secure-tls.js';

export interface SecureRedis {
  /** redis://127.0.0.1:<port>, no credentials in it. */
  readonly authUrl: string;
  /** rediss://127.0.0.1:<port>, no credentials in it. */
  readonly tlsUrl: string;
  /** Password of the default user on both servers. */
  readonly password: string;
  /** An ACL user on both servers. */
  readonly aclUser: { readonly username: string; readonly password: string };
  readonly logPaths: { readonly auth: string; readonly tls: string };
  stop(): Promise<void>;
}

interface Server {
  readonly pid: number;
  readonly logPath: string;
}

/** PING over a fresh connection: '+PONG', or '-NOAUTH ...' when a password is required (both mean: up). */
function ping(open: () => Socket, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = open();
    let buf = '';
    const done = (err: Error | null, line?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(line ?? '');
    };
    const timer = setTimeout(() => done(new Error(`no answer to PING within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const end = buf.indexOf('\r\n');
      if (end >= 0) done(null, buf.slice(0, end));
    });
    socket.write('PING\r\n');
  });
}

async function startServer(
  dir: string,
  name: string,
  conf: readonly string[],
  probe: () => Promise<string>,
  timeoutMs: number,
): Promise<Server> {
  const confPath = join(dir, `${name}.conf`);
  writeFileSync(confPath, `${conf.join('\n')}\n`, { mode: 0o600 });
  const logPath = join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn('redis-server', [confPath], { cwd: dir, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  child.unref();
  const spawnError = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  const pid = child.pid;
  if (spawnError !== undefined || pid === undefined) {
    throw new Error(
      `redis-server (${name}): expected it on the PATH (Debian: apt-get install ` +
        `redis-server, built with TLS), found: ${spawnError?.message ?? 'no pid'}`,
    );
  }
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const reply = await probe();
      if (reply === '+PONG' || reply.startsWith('-NOAUTH')) return { pid, logPath };
      last = reply;
    } catch (err) {
      last = (err as Error).message;
    }
    if (exited || Date.now() > deadline) {
      await stopPid(pid, 5_000);
      const tail = readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-10).join('\n');
      throw new Error(
        `redis-server (${name}): expected it to answer PING within ${timeoutMs} ms, found ` +
          `${exited ? 'it exited' : 'no answer'} (last probe: ${last}; log: ${logPath})\n${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts both servers under `dir` (redis.conf files hold the passwords: mode 0600). */
export async function startSecureRedis(
  dir: string,
  tls: TestTls,
  { timeoutMs = 20_000 }: { timeoutMs?: number } = {},
): Promise<SecureRedis> {
  mkdirSync(dir, { recursive: true });
  const password = randomBytes(12).toString('hex');
  const aclUser = { username: 'checkpoint-writer', password: randomBytes(12).toString('hex') };
  const [authPort, tlsPort] = [await freePort(), await freePort()] as const;
  const common = [
    'bind 127.0.0.1',
    'save ""',
    'appendonly no',
    `dir ${dir}`,
    'logfile ""',
    `requirepass ${password}`,
    `user ${aclUser.username} on >${aclUser.password} ~* &* +@all`,
  ];
  const servers: Server[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(servers.map((s) => stopPid(s.pid, 5_000)));
  };
  const kill = (): void => {
    for (const s of servers) {
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        /* already stopped */
      }
    }
  };
  process.once('exit', kill);
  try {
    servers.push(
      await startServer(
        dir,
        'auth',
        [...common, `port ${authPort}`],
        () => ping(() => netConnect(authPort, '127.0.0.1')),
        timeoutMs,
      ),
    );
    servers.push(
      await startServer(
        dir,
        'tls',
        [
          ...common,
          'port 0',
          `tls-port ${tlsPort}`,
          `tls-cert-file ${tls.serverCertPath}`,
          `tls-key-file ${tls.serverKeyPath}`,
          `tls-ca-cert-file ${tls.caPath}`,
          'tls-auth-clients no',
        ],
        () => ping(() => tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: readFileSync(tls.caPath) })),
        timeoutMs,
      ),
    );
  } catch (err) {
    await stopAll();
    process.removeListener('exit', kill);
    throw err;
  }
  let stopped = false;
  return {
    authUrl: `redis://127.0.0.1:${authPort}`,
    tlsUrl: `rediss://127.0.0.1:${tlsPort}`,
    password,
    aclUser,
    logPaths: { auth: servers[0]!.logPath, tls: servers[1]!.logPath },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      process.removeListener('exit', kill);
    },
  };
}
