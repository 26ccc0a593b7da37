// `shiftstream run` end to end on secured servers, as a child process configured only through the
// environment, like a deployment: Kafka over SASL_SSL (SCRAM-SHA-512, password from a _FILE, broker
// verified against a test CA) and Redis over TLS as an ACL user. The broker and both Redis servers
// are started by this file (support/secure-*.ts); the registry is the shared one. Then: the
// pipeline processes everything and checkpoints to the TLS Redis, and neither its debug log nor
// print-config shows a password or the TLS key.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/types.js';
import { createRegistryCodecs, topologySchemaTopics } from '../../../src/io/avro/codecs.js';
import { createRegistryClient } from '../../../src/io/avro/registry-client.js';
import { ensureTopics, topologyTopicSpecs } from '../../../src/io/kafka/admin.js';
import { createEventSink } from '../../../src/io/kafka/factory.js';
import { createKafkaJs } from '../../../src/io/kafka/kafkajs-config.js';
import { RedisStateStore } from '../../../src/io/redis/index.js';
import { loadTopology } from '../../../src/topology/index.js';
import { assertBuilt, freePort, ROOT, RunProcess, simulatePlant, until } from '../../support/pipeline-harness.js';
import { integrationEnv, uniqueName } from '../support/env.js';
import { startSecureKafka, type SecureKafka } from '../support/secure-kafka.js';
import { startSecureRedis, type SecureRedis } from '../support/secure-redis.js';
import { pemBody } from '../support/secure-tls.js';

const PARTITIONS = 2;
const START_MS = Date.UTC(2026, 5, 1, 4);

let kafka: SecureKafka;
let redis: SecureRedis;
/** The child's environment: every setting a deployment would give, nothing from this process's SHIFTSTREAM_*. */
let env: Record<string, string>;
let config: Config;

beforeAll(async () => {
  assertBuilt();
  const registryUrl = integrationEnv().registryUrl;
  kafka = await startSecureKafka();
  redis = await startSecureRedis(join(kafka.tls.dir, 'redis'), kafka.tls);
  const passwordFile = join(kafka.tls.dir, 'sasl-password');
  writeFileSync(passwordFile, `${kafka.users.scram512.password}\n`, { mode: 0o600 });
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('SHIFTSTREAM_'),
    ),
  );
  env = {
    ...base,
    SHIFTSTREAM_KAFKA__BROKERS: kafka.saslSslAddress,
    SHIFTSTREAM_KAFKA__SSL: 'true',
    SHIFTSTREAM_KAFKA__SSL_CA_PATH: kafka.tls.caPath,
    SHIFTSTREAM_KAFKA__SASL__MECHANISM: 'scram-sha-512',
    SHIFTSTREAM_KAFKA__SASL__USERNAME: kafka.users.scram512.username,
    SHIFTSTREAM_KAFKA__SASL__PASSWORD_FILE: passwordFile,
    SHIFTSTREAM_REGISTRY__URL: registryUrl,
    SHIFTSTREAM_REDIS__URL: redis.tlsUrl,
    SHIFTSTREAM_REDIS__TLS_CA_PATH: kafka.tls.caPath,
    SHIFTSTREAM_REDIS__USERNAME: redis.aclUser.username,
    SHIFTSTREAM_REDIS__PASSWORD: redis.aclUser.password,
  };
  config = loadConfig({ env: { ...env, SHIFTSTREAM_LOG__LEVEL: 'silent' } });
});

afterAll(async () => {
  await redis?.stop();
  await kafka?.stop();
});

/** Values that must never be printed: both passwords, the TLS key. */
function secrets(): Record<string, string> {
  return {
    'SASL password': kafka.users.scram512.password,
    'Redis password': redis.aclUser.password,
    'TLS server key': pemBody(kafka.tls.serverKeyPem),
  };
}

function expectNoSecret(text: string, where: string): void {
  for (const [name, value] of Object.entries(secrets()))
    expect(text.includes(value), `${name} in ${where}`).toBe(false);
}

/** A copy of a shipped topology under a unique plant id (its own topics, groups and checkpoints). */
function plantTopology(prefix: string): { path: string; plantId: string } {
  const plantId = uniqueName(prefix);
  const text = readFileSync(join(ROOT, 'topologies/stamping-berlin.yaml'), 'utf8');
  const replaced = text.replace(/^(plant:\s*\n\s+id:\s*)\S+/m, `$1${plantId}`);
  if (replaced === text)
    throw new Error(
      "topologies/stamping-berlin.yaml: expected a 'plant:' block starting with 'id:', found none to replace",
    );
  const path = join(kafka.tls.dir, `${plantId}.yaml`);
  writeFileSync(path, replaced);
  return { path, plantId };
}

/** Records of `groupId` not yet committed on `topic`. */
async function lag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  return ends.reduce((acc, e) => acc + Number(e.high) - (at.get(e.partition) ?? 0), 0);
}

/**
 * Runs the CLI until its output matches `pattern` or it exits (SIGKILL at the deadline or once
 * matched). Returns all its output and its exit code, or 'killed'.
 */
async function runUntil(
  args: readonly string[],
  childEnv: Record<string, string>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<{ output: string; exit: number | 'killed' }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'shiftstream.js'), ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | 'killed'>((resolve) => child.once('exit', (code) => resolve(code ?? 'killed')));
  const matched = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (pattern.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    exited,
    matched.then(() => undefined),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (first !== undefined) return { output, exit: first };
  // Matched (or the deadline): give it time to close what it opened and exit on its own, then stop it.
  const settle = await Promise.race([
    exited,
    new Promise<'killed'>((resolve) => setTimeout(() => resolve('killed'), 20_000)),
  ]);
  if (settle === 'killed') child.kill('SIGKILL');
  await exited;
  return { output, exit: settle };
}

describe('shiftstream run on SASL_SSL Kafka and TLS Redis', () => {
  it.each(['kafkajs', 'rdkafka'] as const)(
    'processes a simulated hour with %s, checkpoints over TLS, and prints no secret',
    async (client) => {
      const { path, plantId } = plantTopology(`secure-run-${client}`);
      const topology = loadTopology(path);
      const t = topology.topics;
      // Topics, schemas and input through the same secured configuration.
      await ensureTopics(config, topologyTopicSpecs(t, PARTITIONS));
      const { codecs } = await createRegistryCodecs(
        createRegistryClient({ url: config.registry.url, timeoutMs: config.registry.timeoutMs }),
        topologySchemaTopics(t),
      );
      const { samples } = simulatePlant(topology, { seed: 11, startMs: START_MS, untilMs: START_MS + 3_600_000 });
      const sink = createEventSink(config, { clientId: `secure-run-${client}` });
      try {
        await sink.send(samples.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
      } finally {
        await sink.close();
      }

      const httpPort = await freePort();
      const run = new RunProcess(
        `secure-${client}`,
        httpPort,
        [
          'run',
          '--topology',
          path,
          '--client',
          client,
          '--partitions',
          String(PARTITIONS),
          '--event-time-only',
          '--log-level',
          'debug',
          '--session-timeout',
          '6s',
          '--run.checkpointIntervalMs=1000',
          `--http.port=${httpPort}`,
        ],
        env,
      );
      // Every line (RunProcess keeps only the last 300 for failure messages).
      let output = '';
      run.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      run.child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const admin = createKafkaJs(config, undefined, `secure-run-${client}-admin`).admin();
      const store = new RedisStateStore(config.redis);
      try {
        await admin.connect();
        await run.ready(120_000);
        const group = `shiftstream-${plantId}`;
        await until(
          `${group}-map caught up on ${t.raw}`,
          120_000,
          async () => ((await lag(admin, `${group}-map`, t.raw)) === 0 ? true : undefined),
          [run],
          250,
        );
        await until(
          `${group}-window caught up on ${t.enriched}`,
          120_000,
          async () => ((await lag(admin, `${group}-window`, t.enriched)) === 0 ? true : undefined),
          [run],
          250,
        );
        const summaries = (await admin.fetchTopicOffsets(t.windowSummaries)).reduce(
          (acc, p) => acc + Number(p.high),
          0,
        );
        expect(summaries, 'window summaries written over SASL_SSL').toBeGreaterThan(0);
        const checkpoints = await Promise.all(
          Array.from({ length: PARTITIONS }, (_, p) => store.load(`${group}-window/${t.enriched}/${p}`)),
        );
        expect(
          checkpoints.filter((c) => c !== undefined).length,
          'window checkpoints in the TLS Redis',
        ).toBeGreaterThan(0);
        await run.stop(60_000);
      } finally {
        await run.kill9();
        await admin.disconnect();
        await store.close();
      }
      expect(output).toContain('"msg":"starting"');
      expectNoSecret(output, `the debug log of run --client ${client}`);
    },
  );

  it.each([
    [
      'a wrong SASL password',
      { SHIFTSTREAM_KAFKA__SASL__PASSWORD: 'wrong-sasl-password' },
      /SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/,
    ],
    [
      'a wrong Redis password',
      { SHIFTSTREAM_REDIS__PASSWORD: 'wrong-redis-password' },
      /WRONGPASS invalid username-password pair or user is disabled\. \(check redis\.username and redis\.password\)/,
    ],
  ] as const)("stops on %s with the server's refusal, without printing the password", async (_, wrong, refusal) => {
    const { path } = plantTopology('secure-refused');
    const childEnv: Record<string, string> = { ...env, ...wrong };
    if ('SHIFTSTREAM_KAFKA__SASL__PASSWORD' in wrong) delete childEnv['SHIFTSTREAM_KAFKA__SASL__PASSWORD_FILE'];
    const r = await runUntil(
      ['run', '--topology', path, '--partitions', '1', '--event-time-only', '--http.port=0'],
      childEnv,
      refusal,
      120_000,
    );
    expect(r.output, `expected the refusal within 120 s (exit ${String(r.exit)}), output:\n${r.output}`).toMatch(
      refusal,
    );
    expect(r.output).toMatch(/^shiftstream: /m);
    // A refusal during start-up closes what was opened (HTTP server, store, sink) and exits 4.
    expect(r.exit, r.output).toBe(4);
    expectNoSecret(r.output, 'the output of the refused run');
    for (const value of Object.values(wrong)) expect(r.output).not.toContain(value);
  });

  it(
    'doctor reaches the secured Kafka and Redis with the CA and ' +
      'credentials run uses, and says so when the CA is missing',
    () => {
      const doctor = (extra: Record<string, string | undefined>) => {
        const childEnv: Record<string, string> = { ...env, SHIFTSTREAM_KAFKA__CONNECTION_TIMEOUT_MS: '5s' };
        for (const [k, v] of Object.entries(extra))
          if (v === undefined) delete childEnv[k];
          else childEnv[k] = v;
        return spawnSync(process.execPath, [join(ROOT, 'bin', 'shiftstream.js'), 'doctor'], {
          cwd: ROOT,
          env: childEnv,
          encoding: 'utf8',
          timeout: 120_000,
        });
      };
      const ok = doctor({});
      const okText = ok.stdout + ok.stderr;
      expect(okText, okText).toMatch(
        new RegExp(`ok\\s+kafka\\s+${kafka.saslSslAddress.replace('.', '\\.')}: reachable`),
      );
      expect(okText, okText).toMatch(/ok\s+redis\s+rediss?:\/\/\S+: reachable, Redis \d/);
      expectNoSecret(okText, 'doctor output');
      // Without the CA file the same servers refuse the TLS handshake: both checks fail, with the reason.
      const noCa = doctor({ SHIFTSTREAM_KAFKA__SSL_CA_PATH: undefined, SHIFTSTREAM_REDIS__TLS_CA_PATH: undefined });
      const noCaText = noCa.stdout + noCa.stderr;
      expect(noCa.status, noCaText).toBe(1);
      expect(noCaText).toMatch(/FAIL\s+kafka\s+.*expected a reachable broker/);
      expect(noCaText).toMatch(/FAIL\s+redis\s+.*(self[- ]signed|certificate)/i);
    },
    240_000,
  );

  it('print-config shows the TLS and SASL settings with every secret masked', () => {
    for (const format of ['json', 'env']) {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'shiftstream.js'), 'print-config', '--format', format], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expectNoSecret(r.stdout + r.stderr, `print-config --format ${format}`);
      if (format === 'json') {
        const printed = JSON.parse(r.stdout) as Config;
        expect(printed.kafka).toMatchObject({
          ssl: true,
          sslCaPath: kafka.tls.caPath,
          sasl: { mechanism: 'scram-sha-512', username: kafka.users.scram512.username, password: '[redacted]' },
        });
        expect(printed.redis).toMatchObject({
          url: redis.tlsUrl,
          tlsCaPath: kafka.tls.caPath,
          username: redis.aclUser.username,
          password: '[redacted]',
        });
      } else {
        expect(r.stdout).toContain('SHIFTSTREAM_KAFKA__SASL__PASSWORD=[redacted]');
        expect(r.stdout).toContain(`SHIFTSTREAM_KAFKA__SSL_CA_PATH=${kafka.tls.caPath}`);
      }
    }
  });
});
