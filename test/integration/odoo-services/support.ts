// Support for the odoo-services integration tests: a topology file per test (unique plant id, so
// unique topics), the compiled CLI run in a child process, a TCP proxy that can take the Odoo
// stand-in "down", and Kafka helpers (topics, Avro produce, committed offsets, reading JSON topics).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/types.js';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import type { WindowSummary } from '../../../src/core/types.js';
import { createRegistryCodecs } from '../../../src/io/avro/codecs.js';
import { createRegistryClient } from '../../../src/io/avro/registry-client.js';
import type { OdooStandin, StandinVersion } from '../../../src/testkit/odoo-standin/index.js';
import { integrationEnv } from '../support/env.js';

const ROOT = resolve(import.meta.dirname, '../../..');

export function plantYaml(plantId: string, workCenters: number): string {
  const wcs = Array.from({ length: workCenters }, (_, i) => i + 1);
  return [
    'version: 1',
    'plant:',
    `  id: ${plantId}`,
    '  name: Odoo services test plant',
    '  timeZone: UTC',
    'eventTime: { silenceTimeout: 5m, outOfOrderness: 30s, grace: 10s, idleTimeout: 1m, amendmentHorizon: 48h }',
    'x-tables:',
    '  states: &states { "1": running, "2": idle, "3": setup, "4": planned_stop, "5": down, "6": down/material }',
    'workCenters:',
    ...wcs.map((i) => `  wc-${i}: { odooCode: WC-${String(i).padStart(2, '0')}, stateMachine: m${i} }`),
    'machines:',
    ...wcs.map((i) => `  m${i}: { workCenter: wc-${i} }`),
    'tags:',
    ...wcs.map((i) => `  M${i}.STATE: { machine: m${i}, role: state, values: *states }`),
    'windows:',
    '  - { kind: shift }',
    'calendar:',
    '  shifts:',
    '    - { name: s1, start: "06:00", end: "14:00", days: [mon-sun] }',
    '    - { name: s2, start: "14:00", end: "22:00", days: [mon-sun] }',
    '    - { name: s0, start: "22:00", end: "06:00", days: [mon-sun] }',
    'odoo:',
    '  losses:',
    '    running: mrp.block_reason7',
    '    idle: Reduced Speed',
    '    setup: mrp.block_reason2',
    '    planned_stop: mrp.block_reason0',
    '    down: mrp.block_reason1',
    '    down/material: mrp.block_reason0',
    '',
  ].join('\n');
}

export interface Plant {
  readonly plantId: string;
  readonly dir: string;
  readonly topologyFile: string;
  readonly topics: {
    readonly summaries: string;
    readonly milestones: string;
    readonly dlq: string;
    readonly audit: string;
    readonly orders: string;
  };
}

export async function newPlant(workCenters: number): Promise<Plant> {
  const plantId = `op-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'odoo-services-'));
  const topologyFile = join(dir, 'plant.yaml');
  await writeFile(topologyFile, plantYaml(plantId, workCenters));
  const p = `shiftstream.${plantId}`;
  return {
    plantId,
    dir,
    topologyFile,
    topics: {
      summaries: `${p}.shift-summaries`,
      milestones: `${p}.milestones`,
      dlq: `${p}.odoo-dlq`,
      audit: `${p}.odoo-audit`,
      orders: `${p}.orders`,
    },
  };
}

/** Compiles the CLI's import closure once (type checking is `npm run typecheck`'s job). */
export async function compileCli(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odoo-services-cli-'));
  await promisify(execFile)(process.execPath, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    ...[
      '--noCheck',
      '--outDir',
      join(dir, 'build'),
      '--rootDir',
      ROOT,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--resolveJsonModule',
    ],
    ...[
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--sourceMap',
      'false',
      join(ROOT, 'src/cli/main.ts'),
    ],
  ]);
  await writeFile(join(dir, 'build/package.json'), '{"type":"module"}\n');
  await symlink(join(ROOT, 'node_modules'), join(dir, 'build/node_modules'), 'dir');
  // schemas/ is read relative to the compiled src/io/avro.
  await symlink(join(ROOT, 'schemas'), join(dir, 'build/schemas'), 'dir');
  const driver = join(dir, 'build/driver.mjs');
  await writeFile(
    driver,
    "const { main } = await import('./src/cli/main.js');\nprocess.exitCode = await main(process.argv.slice(2));\n",
  );
  return driver;
}

export interface CliRun {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

export function odooEnv(
  standin: Pick<OdooStandin, 'db' | 'login' | 'apiKey'>,
  url: string,
  plant: Plant,
): Record<string, string> {
  return {
    SHIFTSTREAM_ODOO__URL: url,
    SHIFTSTREAM_ODOO__DB: standin.db,
    SHIFTSTREAM_ODOO__LOGIN: standin.login,
    SHIFTSTREAM_ODOO__API_KEY: standin.apiKey,
    SHIFTSTREAM_ODOO__TIMEOUT_MS: '2s',
    SHIFTSTREAM_REDIS__KEY_PREFIX: `test:${plant.plantId}:`,
    SHIFTSTREAM_LOG__LEVEL: 'warn',
    SHIFTSTREAM_HTTP__PORT: '0',
  };
}

export function runCli(driver: string, args: readonly string[], env: Record<string, string>): CliRun {
  const child = spawn(process.execPath, [driver, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exit, stdout: () => out, stderr: () => err };
}

/** A TCP proxy to the stand-in: `down()` resets every connection (Odoo unreachable), `up()` forwards again. */
export async function startProxy(
  target: string,
): Promise<{ url: string; down(): void; up(): void; refused: () => number; close(): Promise<void> }> {
  const t = new URL(target);
  let isDown = false;
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (isDown) {
      refused += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(t.port), t.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    down() {
      isDown = true;
      for (const s of sockets) s.destroy();
    },
    up() {
      isDown = false;
    },
    refused: () => refused,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface KafkaHelper {
  readonly config: Config;
  createTopics(topics: readonly string[], partitions?: number): Promise<void>;
  produceSummaries(topic: string, summaries: readonly WindowSummary[]): Promise<void>;
  produceMilestones(topic: string, milestones: readonly MilestoneRecord[]): Promise<void>;
  /** Committed offsets of a group equal the topic's end offsets. */
  fullyCommitted(groupId: string, topic: string): Promise<boolean>;
  readJson<T>(topic: string): Promise<{ key: string | null; value: T }[]>;
  close(): Promise<void>;
}

export async function kafkaHelper(): Promise<KafkaHelper> {
  const env = integrationEnv();
  const config = loadConfig({ env: process.env });
  const kafka = new Kafka({ clientId: 'odoo-services-test', brokers: [...env.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const registry = createRegistryClient({ url: env.registryUrl });
  const codecsFor = async (summaries: string, milestones: string) =>
    (
      await createRegistryCodecs(registry, {
        RawSample: [],
        MachineEvent: [],
        Rejected: [],
        Late: [],
        WindowSummary: [summaries],
        Milestone: [milestones],
      })
    ).codecs;
  return {
    config,
    async createTopics(topics, partitions = 3) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
      });
    },
    async produceSummaries(topic, summaries) {
      const codecs = await codecsFor(topic, `${topic}-unused-milestones`);
      await producer.send({
        topic,
        acks: -1,
        messages: summaries.map((s) => ({ key: `${s.plantId}/${s.workCenterId}`, value: codecs.summary.encode(s) })),
      });
    },
    async produceMilestones(topic, milestones) {
      const codecs = await codecsFor(`${topic}-unused-summaries`, topic);
      await producer.send({
        topic,
        acks: -1,
        messages: milestones.map((m) => ({ key: `${m.plantId}/${m.workCenterId}`, value: codecs.milestone.encode(m) })),
      });
    },
    async fullyCommitted(groupId, topic) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const byP = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
      return ends.every((e) => e.high === '0' || byP.get(e.partition) === e.high);
    },
    async readJson<T>(topic: string) {
      const ends = await admin.fetchTopicOffsets(topic);
      const total = ends.reduce((n, e) => n + Number(e.high), 0);
      const out: { key: string | null; value: T }[] = [];
      if (total === 0) return out;
      const consumer = kafka.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolveAll, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`readJson ${topic}: read ${out.length} of ${total} within 30 s`)),
          30_000,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            out.push({ key: message.key?.toString() ?? null, value: JSON.parse(message.value!.toString()) as T });
            if (out.length >= total) {
              clearTimeout(timer);
              resolveAll();
            }
          },
        });
      });
      await consumer.disconnect();
      return out;
    },
    async close() {
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

/** Deletes the Redis keys a test's CLI runs wrote (prefix `test:<plantId>:`). */
export async function cleanRedis(plant: Plant): Promise<void> {
  const redis = new Redis(integrationEnv().redisUrl, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `test:${plant.plantId}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Both Odoo protocols every service suite runs: JSON-2 (19) and JSON-RPC (17). */
export const PROTOCOL_CASES: readonly { name: string; version: StandinVersion }[] = [
  { name: 'JSON-2 (Odoo 19)', version: 19 },
  { name: 'JSON-RPC (Odoo 17)', version: 17 },
];

/** Registers the suite hooks (compile the CLI, open the Kafka helper) and returns what they set up. */
export function suiteContext(): { driver: string; kafka: KafkaHelper } {
  const ctx = {} as { driver: string; kafka: KafkaHelper };
  beforeAll(async () => {
    [ctx.driver, ctx.kafka] = await Promise.all([compileCli(), kafkaHelper()]);
  }, 240_000);
  afterAll(async () => {
    await ctx.kafka?.close();
  });
  return ctx;
}
