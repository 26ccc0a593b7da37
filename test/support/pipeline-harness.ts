// Drives `shiftstream run` as child processes (node bin/shiftstream.js, built by `npm run build`)
// against the real Kafka, schema registry and Redis, and reads back what it produced.
// One PlantHarness = one unique plant id (a copy of a shipped topology with `plant: id:`
// replaced), so its topics, consumer groups and Redis checkpoints never collide with another
// test's; close() deletes its checkpoints and stops any process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/types.js';
import { mapSample } from '../../src/core/mapping.js';
import { computeWindowSummaries, type ReferenceOptions } from '../../src/testkit/reference.js';
import type { RawSample, WindowSummary } from '../../src/core/types.js';
import { decodeDelta, decodeSnapshot } from '../../src/engine/snapshot-codec.js';
import { createRegistryCodecs, topologySchemaTopics } from '../../src/io/avro/codecs.js';
import { createRegistryClient } from '../../src/io/avro/registry-client.js';
import { ensureTopics, topologyTopicSpecs } from '../../src/io/kafka/admin.js';
import { createEventSink } from '../../src/io/kafka/factory.js';
import { partitionForKey } from '../../src/io/memory/index.js';
import { RedisStateStore } from '../../src/io/redis/index.js';
import type { Codecs } from '../../src/ports/codecs.js';
import type { EventSink } from '../../src/ports/event-sink.js';
import { createPlantSimulator, type SampleAnnotation, type SimulatorOptions } from '../../src/sim/index.js';
import { loadTopology } from '../../src/topology/index.js';
import { withoutNullOrderKeys } from './attribution.js';
import type { TopologyPlan } from '../../src/topology/types.js';
import { integrationEnv, uniqueName } from '../integration/support/env.js';
import { freePort } from './free-port.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'shiftstream.js');
export const PARTITIONS = 4;

export type ClientName = 'kafkajs' | 'rdkafka';

/** Fails with a clear message when dist/ is missing or older than src/ (the tests run the built CLI). */
export function assertBuilt(): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(main))
    throw new Error(`${main}: expected the built CLI, found none. Run 'npm run build' first ('npm test' does).`);
  for (const src of [
    'src/engine/pipeline.ts',
    'src/engine/window-stage.ts',
    'src/engine/mapper-stage.ts',
    'src/cli/commands/run.ts',
  ]) {
    const built = join(ROOT, 'dist', src.replace(/^src\//, '').replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, src)).mtimeMs) {
      throw new Error(
        `${built}: expected a build newer than ${src}, found ` +
          `${existsSync(built) ? 'an older one' : 'none'}. Run 'npm run build' first.`,
      );
    }
  }
}

/** Environment of the servers, for this process's clients and the children. */
function serverEnv(): Record<string, string> {
  const e = integrationEnv();
  return {
    SHIFTSTREAM_KAFKA__BROKERS: e.brokers.join(','),
    SHIFTSTREAM_REGISTRY__URL: e.registryUrl,
    SHIFTSTREAM_REDIS__URL: e.redisUrl,
  };
}

export interface SimulatedPlant {
  readonly samples: RawSample[];
  readonly notes: SampleAnnotation[];
}

/** A seeded simulated stretch of the plant (the same arguments give the same samples). */
export function simulatePlant(
  topology: TopologyPlan,
  options: SimulatorOptions & { readonly untilMs: number },
): SimulatedPlant {
  const { untilMs, ...sim } = options;
  const notes: SampleAnnotation[] = [];
  const samples = createPlantSimulator(topology.plant, sim).next(untilMs, notes);
  return { samples, notes };
}

/** Start of the run tests' input: 22:00Z, across the Berlin spring-forward night (01:00Z). */
export const RUN_INPUT_START_MS = Date.UTC(2026, 2, 28, 22);

/**
 * The input the run tests feed (e2e, rebalance, kill-one-of-two): 6 h of the plant from
 * RUN_INPUT_START_MS with late, bad and out-of-order samples; each test picks its own seed.
 */
export function simulateRunInput(topology: TopologyPlan, seed: number): SimulatedPlant {
  return simulatePlant(topology, {
    seed,
    startMs: RUN_INPUT_START_MS,
    untilMs: RUN_INPUT_START_MS + 6 * 3_600_000,
    lateShare: 0.002,
    badShare: 0.002,
    outOfOrderShare: 0.02,
  });
}

export interface TopicRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestampMs: number;
}

export interface RunOptions {
  readonly client: ClientName;
  /** Default true: backfill mode (no wall-clock checks, no idle advancement). */
  readonly eventTimeOnly?: boolean;
  /** Consumer session timeout (how soon a killed member's partitions move); default 6 s, the broker's minimum. */
  readonly sessionTimeoutMs?: number;
  /** Default 1 s (more checkpoints, so crashes land between them). */
  readonly checkpointIntervalMs?: number;
  readonly logLevel?: string;
  readonly name?: string;
  /** More `run` flags, e.g. `--run.shutdownTimeoutMs=1ms`. */
  readonly extraArgs?: readonly string[];
}

export { freePort };

/** One `shiftstream run` child process. Its output is kept (last 300 lines) for failure messages. */
export class RunProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly lines: string[] = [];
  private done = false;
  private expectExit = false;

  constructor(
    readonly name: string,
    /** Port of its /metrics, /healthz and /readyz. */
    readonly httpPort: number,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.length > 0) this.lines.push(line.length > 2_000 ? `${line.slice(0, 2_000)}...` : line);
      if (this.lines.length > 300) this.lines.splice(0, this.lines.length - 300);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.done = true;
        resolve({ code, signal });
      });
    });
  }

  get alive(): boolean {
    return !this.done;
  }

  output(): string {
    return this.lines.join('\n');
  }

  /** Throws when the process ended without being asked to. */
  assertAlive(): void {
    if (this.done && !this.expectExit)
      throw new Error(
        `run process ${this.name} exited unexpectedly (exit code ${String(this.child.exitCode)}, ` +
          `signal ${String(this.child.signalCode)}); its last output:\n${this.output()}`,
      );
  }

  /** kill -9: no flush, no checkpoint, no leaving the group. */
  async kill9(): Promise<void> {
    this.expectExit = true;
    if (!this.done) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Resolves once /healthz answers (the CLI has installed its signal handlers by then). */
  async serving(timeoutMs = 30_000): Promise<void> {
    await until(
      `${this.name}: /healthz on port ${this.httpPort}`,
      timeoutMs,
      async () => {
        const res = await fetch(`http://127.0.0.1:${this.httpPort}/healthz`).catch(() => undefined);
        return res?.ok === true ? true : undefined;
      },
      [this],
    );
  }

  /** Resolves once /readyz says ready (both stages have their assignment). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await until(
      `${this.name}: /readyz on port ${this.httpPort}`,
      timeoutMs,
      async () => {
        const res = await fetch(`http://127.0.0.1:${this.httpPort}/readyz`).catch(() => undefined);
        return res?.ok === true ? true : undefined;
      },
      [this],
    );
  }

  /** SIGTERM (graceful: flush, checkpoint, leave the groups); expects exit code 0 or 130 within the deadline. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.done) {
      this.assertAlive();
      return;
    }
    await this.serving();
    this.expectExit = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    if (signal === 'SIGKILL')
      throw new Error(
        `run process ${this.name}: expected a graceful stop within ${timeoutMs} ` +
          `ms of SIGTERM, found none (killed); its last output:\n${this.output()}`,
      );
    if (code !== 0 && code !== 130)
      throw new Error(
        `run process ${this.name}: expected exit code 0 or 130 after SIGTERM, found ` +
          `${String(code)} (signal ${String(signal)}); its last output:\n${this.output()}`,
      );
  }
}

/**
 * `call`, again after 200 ms while it fails with an error kafkajs marks retriable, at most 20 times:
 * e.g. NOT_COORDINATOR from an offset fetch while a fresh broker still loads the group's
 * coordinator, which the admin client does not retry itself.
 */
async function retriable<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 20 || (err as { retriable?: unknown }).retriable !== true) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Polls `probe` until it returns a value; throws at the deadline or at once when a process died. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
  processes: readonly RunProcess[] = [],
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const p of processes) p.assertAlive();
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not reached within ${timeoutMs} ms${
          processes.length > 0 ? `; last output of ${processes.at(-1)!.name}:\n${processes.at(-1)!.output()}` : ''
        }`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** One series of a scraped metric: its label text (`a="1",b="2"`, empty without labels) and value. */
export interface MetricSeries {
  readonly labels: string;
  readonly value: number;
}

/** Every series of a Prometheus metric, scraped from /metrics. */
export async function scrapeSeries(port: number, name: string): Promise<MetricSeries[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`GET http://127.0.0.1:${port}/metrics: expected 200, found ${res.status}`);
  const series: MetricSeries[] = [];
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = line.startsWith(`${name}{`) ? line.slice(name.length + 1, line.lastIndexOf('}')) : '';
    series.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return series;
}

/** Sum of a Prometheus metric (all series whose labels include `labels`), scraped from /metrics. */
export async function scrapeMetric(
  port: number,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  let sum = 0;
  for (const s of await scrapeSeries(port, name)) {
    if (Object.entries(labels).every(([k, v]) => s.labels.includes(`${k}="${v}"`))) sum += s.value;
  }
  return sum;
}

export class PlantHarness {
  readonly plantId: string;
  readonly topologyPath: string;
  readonly topology: TopologyPlan;
  readonly config: Config;
  readonly mapGroup: string;
  readonly windowGroup: string;
  private readonly kafka: Kafka;
  private readonly processes: RunProcess[] = [];
  private sink: EventSink | undefined;
  private started = 0;

  private constructor(
    private readonly dir: string,
    readonly admin: Admin,
    readonly codecs: Codecs,
    readonly store: RedisStateStore,
    fields: { plantId: string; topologyPath: string; topology: TopologyPlan; config: Config; kafka: Kafka },
  ) {
    this.plantId = fields.plantId;
    this.topologyPath = fields.topologyPath;
    this.topology = fields.topology;
    this.config = fields.config;
    this.kafka = fields.kafka;
    this.mapGroup = `shiftstream-${this.plantId}-map`;
    this.windowGroup = `shiftstream-${this.plantId}-window`;
  }

  /** A copy of `baseTopology` under a unique plant id, its topics created, its codecs registered. */
  static async create(prefix: string, baseTopology = 'topologies/stamping-berlin.yaml'): Promise<PlantHarness> {
    assertBuilt();
    const plantId = uniqueName(prefix);
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const text = readFileSync(join(ROOT, baseTopology), 'utf8');
    const replaced = text.replace(/^(plant:\s*\n\s+id:\s*)\S+/m, `$1${plantId}`);
    if (replaced === text)
      throw new Error(`${baseTopology}: expected a 'plant:' block starting with 'id:', found none to replace`);
    const topologyPath = join(dir, `${plantId}.yaml`);
    writeFileSync(topologyPath, replaced);
    const topology = loadTopology(topologyPath);
    const config = loadConfig({ env: { ...serverEnv(), SHIFTSTREAM_LOG__LEVEL: 'silent' } });
    await ensureTopics(config, topologyTopicSpecs(topology.topics, PARTITIONS));
    const t = topology.topics;
    const registry = createRegistryClient({ url: config.registry.url, timeoutMs: config.registry.timeoutMs });
    const { codecs } = await createRegistryCodecs(registry, topologySchemaTopics(t));
    const kafka = new Kafka({
      clientId: `harness-${plantId}`,
      brokers: [...config.kafka.brokers],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    return new PlantHarness(dir, admin, codecs, new RedisStateStore(config.redis), {
      plantId,
      topologyPath,
      topology,
      config,
      kafka,
    });
  }

  private producer(): EventSink {
    this.sink ??= createEventSink(this.config, { clientId: `harness-${this.plantId}` });
    return this.sink;
  }

  /** Produces samples to the raw topic (key = tag, as `simulate` does), 10k per send. */
  async produceSamples(samples: readonly RawSample[]): Promise<void> {
    const topic = this.topology.topics.raw;
    for (let i = 0; i < samples.length; i += 10_000) {
      await this.producer().send(
        samples.slice(i, i + 10_000).map((s) => ({ topic, key: s.tag, value: this.codecs.raw.encode(s) })),
      );
    }
  }

  async produceRaw(records: readonly { key: string; value: Buffer }[]): Promise<void> {
    await this.producer().send(records.map((r) => ({ topic: this.topology.topics.raw, key: r.key, value: r.value })));
  }

  /** Starts `shiftstream run` for this plant (same consumer groups every time). */
  async start(options: RunOptions): Promise<RunProcess> {
    const httpPort = await freePort();
    const args = [
      'run',
      '--topology',
      this.topologyPath,
      '--client',
      options.client,
      '--partitions',
      String(PARTITIONS),
      '--log-level',
      options.logLevel ?? 'warn',
      `--run.checkpointIntervalMs=${options.checkpointIntervalMs ?? 1_000}`,
      `--http.port=${httpPort}`,
      '--session-timeout',
      `${options.sessionTimeoutMs ?? 6_000}ms`,
    ];
    if (options.eventTimeOnly ?? true) args.push('--event-time-only');
    args.push(...(options.extraArgs ?? []));
    const env = { ...process.env, ...serverEnv() };
    const p = new RunProcess(options.name ?? `${options.client}#${++this.started}`, httpPort, args, env);
    this.processes.push(p);
    return p;
  }

  /** Records not yet committed by `group` on `topic` (end minus committed offset), over `partitions` (default all). */
  async lag(groupId: string, topic: string, partitions?: readonly number[]): Promise<number> {
    const ends = await this.admin.fetchTopicOffsets(topic);
    const [committed] = await retriable(() => this.admin.fetchOffsets({ groupId, topics: [topic] }));
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    return ends
      .filter((e) => partitions === undefined || partitions.includes(e.partition))
      .reduce((acc, e) => acc + Number(e.high) - (at.get(e.partition) ?? 0), 0);
  }

  /**
   * Resolves once both stages committed everything: the mapper group has no lag on the raw topic
   * (so the enriched topic is complete), then the window group none on the enriched topic (so
   * every summary was acknowledged before its checkpoint). Throws at once if a process died.
   */
  async waitProcessed(processes: readonly RunProcess[], timeoutMs: number): Promise<void> {
    const t = this.topology.topics;
    await until(
      `${this.mapGroup} caught up on ${t.raw}`,
      timeoutMs,
      async () => ((await this.lag(this.mapGroup, t.raw)) === 0 ? true : undefined),
      processes,
      200,
    );
    await until(
      `${this.windowGroup} caught up on ${t.enriched}`,
      timeoutMs,
      async () => ((await this.lag(this.windowGroup, t.enriched)) === 0 ? true : undefined),
      processes,
      200,
    );
  }

  /** Every record of a topic, from the beginning to its end offsets at the time of the call. */
  async readTopic(topic: string, timeoutMs = 60_000): Promise<TopicRecord[]> {
    const ends = await this.admin.fetchTopicOffsets(topic);
    const need = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, BigInt(e.high)]));
    const out: TopicRecord[] = [];
    if (need.size === 0) return out;
    const groupId = uniqueName(`read-${this.plantId}`);
    const consumer = this.kafka.consumer({ groupId, maxBytes: 64 << 20, maxBytesPerPartition: 16 << 20 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let resolveDone!: () => void;
      const done = new Promise<void>((r) => (resolveDone = r));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const high = need.get(batch.partition);
          if (high === undefined) return;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= high) break;
            out.push({
              partition: batch.partition,
              offset: m.offset,
              key: m.key,
              value: m.value,
              timestampMs: Number(m.timestamp),
            });
          }
          if (BigInt(batch.lastOffset()) + 1n >= high) {
            need.delete(batch.partition);
            if (need.size === 0) resolveDone();
          }
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise(
          (_, reject) =>
            (timer = setTimeout(
              () =>
                reject(
                  new Error(
                    `read ${topic}: partitions ${[...need.keys()].join(', ')} ` +
                      `not read to their end within ${timeoutMs} ms`,
                  ),
                ),
              timeoutMs,
            )),
        ),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return out;
  }

  /** Decodes records of a topic with a codec; an undecodable record fails the test with its position. */
  async decodeAll<T>(
    records: readonly TopicRecord[],
    codec: Codecs['summary'] | Codecs['rejected'] | Codecs['milestone'] | Codecs['event'] | Codecs['late'],
  ): Promise<T[]> {
    await this.codecs.prepare(records.map((r) => r.value));
    return records.map((r) => {
      if (r.value === null) throw new Error(`record ${r.partition}@${r.offset}: expected a value, found a tombstone`);
      const d = (codec as { decode(b: Buffer): { ok: boolean; value?: unknown; detail?: string } }).decode(r.value);
      if (!d.ok) throw new Error(`record ${r.partition}@${r.offset}: expected a decodable record, found: ${d.detail}`);
      return d.value as T;
    });
  }

  /** The window stage's checkpointed watermark per enriched partition (Redis: the base's, or the last delta's). */
  async checkpointWatermarks(): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    for (let p = 0; p < PARTITIONS; p++) {
      const chain = await this.store.loadChain(`${this.windowGroup}/${this.topology.topics.enriched}/${p}`);
      if (chain === undefined) continue;
      const last = chain.deltas[chain.deltas.length - 1];
      const wm =
        last === undefined
          ? decodeSnapshot(chain.base.snapshot).processor.watermarkMs
          : decodeDelta(last.snapshot).processor.watermarkMs;
      if (wm !== null) result.set(p, wm);
    }
    return result;
  }

  /**
   * The aligned watermark computed from the input alone: min over raw partitions of the highest valid ts, minus the
   * bound.
   */
  expectedWatermark(samples: readonly RawSample[]): number {
    const maxTs = new Array<number>(PARTITIONS).fill(-Infinity);
    for (const s of samples) {
      if (!mapSample(this.topology.plant, s).ok) continue;
      const p = partitionForKey(Buffer.from(s.tag), PARTITIONS);
      if (s.tsMs > maxTs[p]!) maxTs[p] = s.tsMs;
    }
    return Math.min(...maxTs) - this.topology.plant.eventTime.outOfOrdernessMs;
  }

  /** Work centers per enriched partition (keyed by work center id, murmur2 like the Java client). */
  workCentersByPartition(): Map<number, Set<string>> {
    const result = new Map<number, Set<string>>();
    for (const m of this.topology.plant.machines.values()) {
      const p = partitionForKey(Buffer.from(m.workCenterId), PARTITIONS);
      if (!result.has(p)) result.set(p, new Set());
      result.get(p)!.add(m.workCenterId);
    }
    return result;
  }

  /** Stops what is still running (SIGKILL), deletes the checkpoints, disconnects. */
  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill9()));
    const deletes: Promise<void>[] = [];
    for (let p = 0; p < PARTITIONS; p++)
      deletes.push(this.store.delete(`${this.windowGroup}/${this.topology.topics.enriched}/${p}`));
    await Promise.allSettled(deletes);
    await Promise.allSettled([this.sink?.close(), this.admin.disconnect(), this.store.close()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface SummaryCheck {
  /** Last revision per key (`<windowName>/<windowId>/<workCenterId>`), with revision and lateSamples kept. */
  readonly last: Map<string, WindowSummary>;
  /** Keys whose records with the same revision differ in bytes (must be empty). */
  readonly conflicts: string[];
  readonly records: number;
}

/**
 * Summary records of the window and shift topics: the last revision per key, and a check that any
 * two records with the same Kafka key and revision are byte-identical (re-emits after a crash).
 */
export async function collectSummaries(h: PlantHarness): Promise<SummaryCheck> {
  const t = h.topology.topics;
  const records = [...(await h.readTopic(t.windowSummaries)), ...(await h.readTopic(t.shiftSummaries))];
  const decoded = await h.decodeAll<WindowSummary>(records, h.codecs.summary);
  const seen = new Map<string, Buffer>();
  const conflicts: string[] = [];
  const last = new Map<string, WindowSummary>();
  decoded.forEach((s, i) => {
    const r = records[i]!;
    const kafkaKey = r.key?.toString('utf8') ?? '';
    const revKey = `${kafkaKey}@${s.revision}`;
    const before = seen.get(revKey);
    if (before === undefined) seen.set(revKey, r.value!);
    else if (!before.equals(r.value!)) conflicts.push(revKey);
    const key = `${s.windowName}/${s.windowId}/${s.workCenterId}`;
    const prev = last.get(key);
    if (prev === undefined || prev.revision < s.revision) last.set(key, s);
  });
  return { last, conflicts, records: records.length };
}

/** The content of a summary without its stream-only fields (revision, late samples folded in). */
export function content(s: WindowSummary): Omit<WindowSummary, 'revision' | 'lateSamples'> {
  const { revision: _r, lateSamples: _l, ...rest } = s;
  return rest;
}

export interface ReferenceComparison {
  /** Keys compared (every summary key of the run must be one of the reference's, and back). */
  readonly compared: number;
  /** Per partition: the checkpointed watermark and the one computed from the input alone. */
  readonly watermarks: { partition: number; checkpointed: number | undefined; expected: number }[];
  /** Human-readable differences (empty when equal). */
  readonly mismatches: string[];
}

/**
 * Compares last revisions with the batch reference per enriched partition, as the embedded test
 * does: the partition's work centers, the partition's checkpointed watermark (which must equal
 * the aligned watermark computed from the input), the reference over those work centers' samples.
 */
export function compareWithReference(
  h: PlantHarness,
  samples: readonly RawSample[],
  last: ReadonlyMap<string, WindowSummary>,
  checkpointed: ReadonlyMap<number, number>,
  /** More reference inputs (e.g. planned maintenance), besides the watermark. */
  reference: Omit<ReferenceOptions, 'watermarkMs'> = {},
): ReferenceComparison {
  const plan = h.topology.plant;
  const expected = h.expectedWatermark(samples);
  const mismatches: string[] = [];
  const watermarks: ReferenceComparison['watermarks'] = [];
  let compared = 0;
  const covered = new Set<string>();
  for (const [partition, wcs] of h.workCentersByPartition()) {
    const wm = checkpointed.get(partition);
    watermarks.push({ partition, checkpointed: wm, expected });
    if (wm !== expected) {
      mismatches.push(
        `partition ${partition}: checkpointed watermark ${String(wm)} != ${expected} computed from the input`,
      );
      continue;
    }
    const mine = samples.filter((s) => {
      const tag = plan.tags.get(s.tag);
      return tag !== undefined && wcs.has(plan.machines.get(tag.machineId)!.workCenterId);
    });
    const want = new Map<string, WindowSummary>();
    for (const s of computeWindowSummaries(mine, plan, { ...reference, watermarkMs: wm })) {
      const key = `${s.windowName}/${s.windowId}/${s.workCenterId}`;
      const prev = want.get(key);
      if (prev === undefined || prev.revision < s.revision) want.set(key, s);
    }
    for (const [key, ref] of want) {
      covered.add(key);
      const got = last.get(key);
      compared++;
      if (got === undefined) mismatches.push(`${key}: in the reference, missing from the summary topics`);
      // With order attribution (order tags), a no-order interval's null keys are absent after Avro.
      else if (!isDeepStrictEqual(plain(withoutNullOrderKeys(content(got))), plain(withoutNullOrderKeys(content(ref)))))
        mismatches.push(`${key}: expected ${JSON.stringify(content(ref))}, found ${JSON.stringify(content(got))}`);
    }
  }
  for (const key of last.keys())
    if (!covered.has(key)) mismatches.push(`${key}: on the summary topics, not in the reference`);
  return { compared, watermarks, mismatches };
}

/**
 * The assertions every run-against-the-reference test makes: no two records of one key and revision
 * with different bytes (a re-emit after a crash or a rebalance is identical), and the last revisions
 * equal the batch reference, key for key (nothing lost, nothing counted twice). Returns the last
 * revisions for further checks.
 */
export async function expectReferenceFigures(
  h: PlantHarness,
  samples: readonly RawSample[],
): Promise<Map<string, WindowSummary>> {
  const summaries = await collectSummaries(h);
  expect(summaries.conflicts, 'records with the same key and revision but different bytes').toEqual([]);
  const cmp = compareWithReference(h, samples, summaries.last, await h.checkpointWatermarks());
  expect(cmp.mismatches.slice(0, 5), `${cmp.mismatches.length} differences from the reference`).toEqual([]);
  expect(cmp.compared).toBe(summaries.last.size);
  expect(cmp.compared).toBeGreaterThan(1_000);
  return summaries.last;
}

/** Plain JSON data (Avro-decoded records are class instances; undefined fields are absent). */
export function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v)) as unknown;
}
