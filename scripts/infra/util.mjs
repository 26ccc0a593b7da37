// Shared helpers of the local infrastructure launcher: paths, logging, deadlines, processes,
// Maven and Java discovery. Plain Node ESM with built-ins only: it runs before `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  writeFileSync,
  rmSync,
  readdirSync,
  statSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const CACHE_DIR = join(ROOT, '.cache');
export const INFRA_DIR = join(ROOT, '.infra');
export const SCRIPTS_DIR = join(ROOT, 'scripts');

export class InfraFailure extends Error {
  /** @param {string} server @param {string} address @param {string|null} logPath @param {string} what */
  constructor(server, address, logPath, what) {
    super(`${server} at ${address}: ${what}${logPath ? ` (log: ${logPath})` : ''}`);
    this.name = 'InfraFailure';
    this.server = server;
    this.address = address;
    this.logPath = logPath;
  }
}

export function log(server, message) {
  process.stdout.write(`[infra] ${server}: ${message}\n`);
}

export function ensureDir(path) {
  mkdirSync(path, { recursive: true });
  return path;
}

export function readJson(path) {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
}

export function writeJson(path, value) {
  ensureDir(dirname(path));
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function tail(path, lines = 15) {
  if (!path || !existsSync(path)) return '';
  const text = readFileSync(path, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

export function msSince(startMs) {
  return Date.now() - startMs;
}

/**
 * Polls `probe` until it returns a truthy value or the deadline passes. `alive` (optional) is
 * checked between probes so a crashed process fails at once instead of at the deadline.
 */
export async function waitFor({ server, address, logPath, timeoutMs, intervalMs = 250, probe, alive }) {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (alive && !alive()) {
      throw new InfraFailure(
        server,
        address,
        logPath,
        `process exited before it was ready (last probe: ${lastError})\n${tail(logPath)}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new InfraFailure(
        server,
        address,
        logPath,
        `not ready after ${timeoutMs} ms (last probe: ${lastError})\n${tail(logPath)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Opens a TCP connection, writes `request`, resolves with the bytes read until `done(buf)` or close. */
export function tcpExchange({ host, port, request, done, timeoutMs = 2000 }) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    const chunks = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (err, value) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const buf = Buffer.concat(chunks);
      if (done(buf)) finish(null, buf);
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('connection closed before a full answer')));
  });
}

export function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie child counts as dead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return true;
  }
}

/** True when the live process `pid` has `marker` in its command line (guards against pid reuse). */
export function pidMatches(pid, marker) {
  if (!pidAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return true;
  }
}

/** Starts a detached server process with stdout and stderr appended to `logPath`. */
export function spawnServer({ command, args, cwd, logPath, env }) {
  ensureDir(dirname(logPath));
  const fd = openSync(logPath, 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  child.unref();
  return child;
}

/** Sends SIGTERM to the process group, waits up to `timeoutMs`, then SIGKILL. */
export async function stopPid(pid, timeoutMs = 30_000) {
  if (!pidAlive(pid)) return 'not running';
  const signal = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return 'stopped';
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  signal('SIGKILL');
  return 'killed after timeout';
}

/** Runs a command synchronously; returns { ok, status, output }. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return { ok: result.status === 0, status: result.status, output, error: result.error };
}

/** The feature version of a Java binary (17, 21, 25), or 0 when it does not run. */
export function javaVersionOf(javaBin) {
  const home = dirname(dirname(javaBin));
  const release = join(home, 'release');
  if (existsSync(release)) {
    const m = /JAVA_VERSION="(\d+)/.exec(readFileSync(release, 'utf8'));
    if (m) return Number(m[1]);
  }
  const r = run(javaBin, ['-version']);
  const m = /version "(\d+)/.exec(r.output);
  return m ? Number(m[1]) : 0;
}

/**
 * Picks a Java binary of at least `minVersion`: an explicit override, then JAVA_HOME, then `java`
 * on the PATH, then the newest JDK under /usr/lib/jvm.
 */
export function findJava(minVersion, override) {
  const candidates = [];
  if (override) candidates.push(override.endsWith('/java') ? override : join(override, 'bin', 'java'));
  if (process.env.JAVA_HOME) candidates.push(join(process.env.JAVA_HOME, 'bin', 'java'));
  const onPath = run('sh', ['-c', 'command -v java']);
  if (onPath.ok) candidates.push(onPath.output.trim());
  if (existsSync('/usr/lib/jvm')) {
    const jvms = readdirSync('/usr/lib/jvm')
      .map((name) => join('/usr/lib/jvm', name, 'bin', 'java'))
      .filter((bin) => existsSync(bin) && statSync(bin).isFile());
    candidates.push(...jvms.sort().reverse());
  }
  const seen = [];
  for (const bin of candidates) {
    if (!existsSync(bin)) continue;
    const version = javaVersionOf(bin);
    seen.push(`${bin} (${version || 'unknown'})`);
    if (version >= minVersion) return { bin, version };
  }
  throw new Error(
    `no Java ${minVersion}+ found; tried: ${seen.join(', ') || 'none'}. Set JAVA_HOME or install a JDK ${minVersion}+`,
  );
}

/**
 * Runs a Maven goal, offline first (the local repository may already hold everything) and
 * online only when offline resolution fails. Returns 'offline' or 'online'.
 */
export function mavenResolve(server, args, cwd) {
  const mvn = process.env.SHIFTSTREAM_INFRA_MVN ?? 'mvn';
  const offline = run(mvn, ['-B', '-q', '-o', ...args], { cwd });
  if (offline.error) throw new Error(`cannot run '${mvn}': ${offline.error.message}. Install Maven 3.6+`);
  if (offline.ok) return 'offline';
  log(server, 'not in the local Maven repository: downloading from Maven Central');
  const online = run(mvn, ['-B', '-q', ...args], { cwd });
  if (!online.ok) throw new Error(`maven failed (exit ${online.status}):\n${online.output.slice(-3000)}`);
  return 'online';
}

export function removeDir(path) {
  rmSync(path, { recursive: true, force: true });
}
