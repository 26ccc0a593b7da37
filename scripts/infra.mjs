#!/usr/bin/env node
// Local infrastructure launcher: `node scripts/infra.mjs up|down|status`.
// Kafka 4.x (KRaft, from Maven Central jars), Apicurio Registry (Confluent-compatible API) and
// Redis. Explicit addresses in the environment win and start nothing:
//   SHIFTSTREAM_KAFKA__BROKERS, SHIFTSTREAM_REGISTRY__URL, SHIFTSTREAM_REDIS__URL.
// Resolved addresses go to .infra/env.json; pids of what was started to .infra/state.json.
// Plain Node ESM with built-ins only, so it runs before `npm run build`.
// Used by scripts/test.mjs through `up({ lease: true })` / `down({ lease: true })`: servers
// started for a test run stop when the last concurrent test run that uses them ends.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dockerEngineAnswers, removeContainer, startContainers } from './infra/containers.mjs';
import { KAFKA_MARKER, kafkaAddress, kafkaLogPath, kafkaReady, startKafka } from './infra/kafka.mjs';
import { REDIS_MARKER, probeDefaultRedis, redisLogPath, redisPing, startRedis } from './infra/redis.mjs';
import { REGISTRY_MARKER, registryLogPath, registryReady, registryUrl, startRegistry } from './infra/registry.mjs';
import {
  INFRA_DIR,
  InfraFailure,
  ensureDir,
  log,
  pidAlive,
  pidMatches,
  readJson,
  stopPid,
  waitFor,
  writeJson,
} from './infra/util.mjs';

const STATE = join(INFRA_DIR, 'state.json');
const ENV_FILE = join(INFRA_DIR, 'env.json');
const LOCK = join(INFRA_DIR, 'lock');
const LEASES = join(INFRA_DIR, 'leases');
const MARKERS = { kafka: KAFKA_MARKER, registry: REGISTRY_MARKER, redis: REDIS_MARKER };
export const ENV_FILE_PATH = ENV_FILE;

async function withLock(fn, timeoutMs = 300_000) {
  ensureDir(INFRA_DIR);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'owner'), String(process.pid));
      break;
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'owner'), 'utf8'));
      } catch {
        /* being created or removed */
      }
      if (Number.isInteger(owner) && !pidAlive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new Error(`infra: ${LOCK} held by pid ${owner} for more than ${timeoutMs} ms`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

const liveLeases = () =>
  existsSync(LEASES)
    ? readdirSync(LEASES)
        .map(Number)
        .filter((pid) => pid !== process.pid && pidAlive(pid))
    : [];

function pruneLeases() {
  if (!existsSync(LEASES)) return;
  for (const name of readdirSync(LEASES)) if (!pidAlive(Number(name))) rmSync(join(LEASES, name), { force: true });
}

/** A server recorded in state.json that is still running (pid alive and the right program). */
function running(state, name) {
  const s = state[name];
  if (!s) return null;
  if (s.containerId) return s;
  return pidMatches(s.pid, MARKERS[name]) ? s : null;
}

/** True when `probe` resolves (one quick try: nothing listening fails at once). */
async function answers(probe) {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}

async function checkExternal(server, address, probe, timeoutMs = 20_000) {
  await waitFor({ server, address, logPath: null, timeoutMs, probe });
  log(server, `using ${address} from the environment: started nothing`);
}

/**
 * Ensures the three servers answer. Returns { env, started: string[], info }.
 * `lease`: register this process as a user (scripts/test.mjs); `down({ lease: true })` then
 * stops lease-owned servers when no other live user remains.
 */
export async function up({ lease = false, env = process.env } = {}) {
  return withLock(async () => {
    pruneLeases();
    const state = readJson(STATE) ?? {};
    const owner = lease ? 'lease' : 'cli';
    const started = [];
    const info = {};
    const useContainers = env.SHIFTSTREAM_USE_TESTCONTAINERS === '1';

    // Which servers are given, already running (ours) or missing.
    const missing = [];
    if (env.SHIFTSTREAM_KAFKA__BROKERS) {
      const first = env.SHIFTSTREAM_KAFKA__BROKERS.split(',')[0].trim();
      await checkExternal('kafka', first, () => kafkaReady(first));
      info.kafka = { brokers: env.SHIFTSTREAM_KAFKA__BROKERS, started: false };
    } else if (running(state, 'kafka')) {
      const s = state.kafka;
      await waitFor({
        server: 'kafka',
        address: s.address,
        logPath: s.logPath ?? null,
        timeoutMs: 30_000,
        probe: () => kafkaReady(s.address),
      });
      log('kafka', `already running (pid ${s.pid ?? s.containerId}) at ${s.address}: reusing it`);
      info.kafka = { brokers: s.address, started: false, ...s };
    } else if (!useContainers && (await answers(() => kafkaReady(kafkaAddress())))) {
      // Like Redis: a broker already serving the default address (another checkout's, a local
      // install) is used rather than colliding with it on its ports.
      log('kafka', `a broker answers at ${kafkaAddress()}: using it, started nothing`);
      info.kafka = { brokers: kafkaAddress(), started: false };
    } else missing.push('kafka');

    if (env.SHIFTSTREAM_REGISTRY__URL) {
      await checkExternal('registry', env.SHIFTSTREAM_REGISTRY__URL, () =>
        registryReady(env.SHIFTSTREAM_REGISTRY__URL),
      );
      info.registry = { url: env.SHIFTSTREAM_REGISTRY__URL, started: false };
    } else if (running(state, 'registry')) {
      const s = state.registry;
      await waitFor({
        server: 'registry',
        address: s.url,
        logPath: s.logPath ?? null,
        timeoutMs: 30_000,
        probe: () => registryReady(s.url),
      });
      log('registry', `already running (pid ${s.pid ?? s.containerId}) at ${s.url}: reusing it`);
      info.registry = { started: false, ...s };
    } else if (!useContainers && (await answers(() => registryReady(registryUrl())))) {
      log('registry', `a registry answers at ${registryUrl()}: using it, started nothing`);
      info.registry = { url: registryUrl(), started: false };
    } else missing.push('registry');

    if (env.SHIFTSTREAM_REDIS__URL) {
      info.redis = { url: env.SHIFTSTREAM_REDIS__URL, started: false };
      log('redis', `using ${env.SHIFTSTREAM_REDIS__URL} from the environment: started nothing`);
    } else if (running(state, 'redis')) {
      const s = state.redis;
      log('redis', `already running (pid ${s.pid ?? s.containerId}) at ${s.url}: reusing it`);
      info.redis = { started: false, ...s };
    } else {
      const shared = useContainers ? null : await probeDefaultRedis();
      if (shared) {
        log('redis', `${shared} answers PING: using it, started nothing`);
        info.redis = { url: shared, started: false };
      } else missing.push('redis');
    }

    const save = () => writeJson(STATE, state);
    if (missing.length > 0 && useContainers && dockerEngineAnswers()) {
      const c = await startContainers(missing);
      if (c.kafka)
        info.kafka = state.kafka = {
          brokers: c.kafka.address,
          address: c.kafka.address,
          containerId: c.kafka.containerId,
          owner,
          started: true,
        };
      if (c.registry)
        info.registry = state.registry = {
          url: c.registry.url,
          containerId: c.registry.containerId,
          owner,
          started: true,
        };
      if (c.redis)
        info.redis = state.redis = { url: c.redis.url, containerId: c.redis.containerId, owner, started: true };
      started.push(...missing);
      save();
    } else {
      if (missing.length > 0 && useContainers)
        log('infra', 'SHIFTSTREAM_USE_TESTCONTAINERS=1 but no Docker engine answers: starting local processes');
      // Start the registry and Kafka side by side (each is mostly waiting on its JVM).
      const jobs = [];
      if (missing.includes('kafka')) {
        jobs.push(
          startKafka().then((k) => {
            info.kafka = state.kafka = { ...k, brokers: k.address, owner, started: true };
            started.push('kafka');
            save();
          }),
        );
      }
      if (missing.includes('registry')) {
        jobs.push(
          startRegistry().then((r) => {
            info.registry = state.registry = { ...r, owner, started: true };
            started.push('registry');
            save();
          }),
        );
      }
      if (missing.includes('redis')) {
        jobs.push(
          startRedis().then((r) => {
            info.redis = state.redis = { ...r, owner, started: true };
            started.push('redis');
            save();
          }),
        );
      }
      const results = await Promise.allSettled(jobs);
      const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
      if (failures.length > 0) {
        save();
        throw failures.length === 1 ? failures[0] : new Error(failures.map((f) => f.message).join('\n'));
      }
    }

    if (lease) {
      ensureDir(LEASES);
      writeFileSync(join(LEASES, String(process.pid)), new Date().toISOString());
    }
    const vars = {
      SHIFTSTREAM_KAFKA__BROKERS: info.kafka.brokers,
      SHIFTSTREAM_REGISTRY__URL: info.registry.url,
      SHIFTSTREAM_REDIS__URL: info.redis.url,
    };
    writeJson(ENV_FILE, {
      env: vars,
      kafka: info.kafka,
      registry: info.registry,
      redis: info.redis,
      writtenAt: new Date().toISOString(),
    });
    log('infra', `addresses written to ${ENV_FILE}`);
    return { env: vars, started, info };
  });
}

async function stopOne(state, name) {
  const s = state[name];
  if (!s) return;
  if (s.containerId) {
    log(name, `container ${s.containerId.slice(0, 12)}: ${removeContainer(s.containerId)}`);
  } else if (pidMatches(s.pid, MARKERS[name])) {
    const started = Date.now();
    const outcome = await stopPid(s.pid, name === 'kafka' ? 60_000 : 30_000);
    log(name, `pid ${s.pid} ${outcome} in ${Date.now() - started} ms`);
  } else {
    log(name, `pid ${s.pid} is not running any more`);
  }
  delete state[name];
}

/** Stops what `up` started. With `lease`, only when no other live test run still uses them. */
export async function down({ lease = false } = {}) {
  return withLock(async () => {
    if (lease) rmSync(join(LEASES, String(process.pid)), { force: true });
    pruneLeases();
    const state = readJson(STATE) ?? {};
    const others = liveLeases();
    for (const name of ['kafka', 'registry', 'redis']) {
      if (!state[name]) continue;
      if (lease && state[name].owner !== 'lease') continue;
      if (lease && others.length > 0) {
        log(name, `still used by test run(s) ${others.join(', ')}: left running`);
        continue;
      }
      await stopOne(state, name);
    }
    writeJson(STATE, state);
  });
}

export async function status() {
  const state = readJson(STATE) ?? {};
  const env = readJson(ENV_FILE)?.env ?? {};
  const lines = [];
  const check = async (name, address, probe, logPath) => {
    const s = state[name];
    const who = s
      ? s.containerId
        ? `container ${s.containerId.slice(0, 12)}`
        : `pid ${s.pid}${pidMatches(s.pid, MARKERS[name]) ? '' : ' (dead)'}`
      : 'not started by infra';
    let answer;
    try {
      await probe();
      answer = 'answers';
    } catch (err) {
      answer = `does not answer (${err.message})`;
    }
    lines.push(`${name.padEnd(8)} ${address.padEnd(42)} ${answer}; ${who}${logPath ? `; log ${logPath}` : ''}`);
  };
  const brokers = env.SHIFTSTREAM_KAFKA__BROKERS ?? kafkaAddress();
  await check('kafka', brokers, () => kafkaReady(brokers.split(',')[0]), state.kafka?.logPath ?? kafkaLogPath());
  const reg = env.SHIFTSTREAM_REGISTRY__URL ?? registryUrl();
  await check('registry', reg, () => registryReady(reg), state.registry?.logPath ?? registryLogPath());
  const redis = env.SHIFTSTREAM_REDIS__URL ?? 'redis://127.0.0.1:6379';
  const u = new URL(redis);
  await check(
    'redis',
    redis,
    async () => {
      const reply = await redisPing(u.hostname, Number(u.port || 6379));
      if (!reply.startsWith('+PONG') && !reply.startsWith('-NOAUTH')) throw new Error(reply);
    },
    state.redis ? redisLogPath() : null,
  );
  const leases = liveLeases();
  if (leases.length > 0) lines.push(`test runs using the servers: ${leases.join(', ')}`);
  return lines.join('\n');
}

async function cli(argv) {
  const [cmd] = argv;
  try {
    if (cmd === 'up') {
      const started = Date.now();
      const r = await up();
      process.stdout.write(
        `${Object.entries(r.env)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
      );
      log('infra', `up in ${Date.now() - started} ms (started: ${r.started.join(', ') || 'nothing'})`);
    } else if (cmd === 'down') {
      await down();
    } else if (cmd === 'status') {
      process.stdout.write(`${await status()}\n`);
    } else {
      process.stderr.write('usage: node scripts/infra.mjs up|down|status\n');
      return 2;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`[infra] ${err instanceof InfraFailure ? 'failed' : 'error'}: ${err.message}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await cli(process.argv.slice(2));
}
