// The composition of one plant's pipeline on Kafka, shared by `shiftstream run` and the benchmark
// child (bench/lib/pipeline-child.mjs imports it from dist/): the logger, metrics and HTTP
// endpoints (startPlantObservability), then topics, registry codecs, the configured client's
// sources and sink, the Redis state store, the orders feed, and createPipeline (createPlantPipeline).
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/types.js';
import { createPipeline, type Pipeline } from '../engine/pipeline.js';
import { createReadiness, startHttpServer, type HttpServer, type Readiness } from '../http/index.js';
import { createRegistryCodecs, topologySchemaTopics } from '../io/avro/codecs.js';
import { createRegistryClient } from '../io/avro/registry-client.js';
import { ensureTopics, topologyTopicSpecs } from '../io/kafka/admin.js';
import { createEventSink, createEventSource } from '../io/kafka/factory.js';
import { fetchTopicOffsets } from '../io/kafka/topic-offsets.js';
import { partitionForKey } from '../io/memory/index.js';
import { RedisStateStore } from '../io/redis/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import { createPromMetrics, type Metrics, type PromMetrics } from '../metrics/index.js';
import { systemClock } from '../ports/clock.js';
import type { EventSink } from '../ports/event-sink.js';
import type { EventSource } from '../ports/event-source.js';
import type { TopologyPlan } from '../topology/types.js';

export interface PlantObservability {
  readonly logger: Logger;
  readonly metrics: PromMetrics;
  /** kafka, registry, redis (createPlantPipeline marks them) and pipeline (the caller marks it). */
  readonly readiness: Readiness;
  /** `/metrics`, `/healthz`, `/readyz` on http.port (0: any free port). */
  readonly http: HttpServer;
}

/** The plant's root logger, Prometheus metrics and readiness, served over HTTP before anything connects. */
export async function startPlantObservability(config: Config, plantId: string): Promise<PlantObservability> {
  const logger = createLogger({ level: config.log.level, base: { service: 'shiftstream', plantId } });
  const metrics = createPromMetrics({ defaultLabels: { plantId } });
  const readiness = createReadiness(['kafka', 'registry', 'redis', 'pipeline']);
  const http = await startHttpServer({
    port: config.http.port,
    metrics,
    health: { readiness: readiness.probe },
    onError: (err, path) => logger.error({ err, path }, 'http handler failed'),
  });
  return { logger, metrics, readiness, http };
}

export interface PlantAdapters {
  /** A source in consumer group `groupId` (default: the configured client's). */
  source?(groupId: string, topics: readonly string[], sessionTimeoutMs: number | undefined): EventSource;
  /** The sink of both stages (default: the configured client's). */
  sink?(clientId: string): EventSink;
  /** The critical lane's own sink (default: the configured client's, lane 'critical'). */
  criticalSink?(clientId: string): EventSink;
}

export interface PlantPipelineOptions {
  /** Consumer-group prefix: `<group>-map`, `<group>-window`, `<group>-orders-<uuid>`. */
  readonly group: string;
  /** Partitions of the topics it creates (default 4). */
  readonly partitions?: number;
  /** false: event time only (backfill), no wall-clock validation or idle advancement. */
  readonly live: boolean;
  readonly sessionTimeoutMs?: number;
  /** The orders topic, read only with the topology's orders.tagging (default: topics.orders). */
  readonly ordersTopic?: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Marked ready as each part comes up: kafka, registry, redis. */
  readonly readiness?: Readiness;
  /** Other adapters in place of the configured client's (benchmarks: tuned or traced clients). */
  readonly adapters?: PlantAdapters;
  /** The fused path (default: config run.fused). */
  readonly fused?: boolean;
}

export interface PlantPipeline {
  readonly pipeline: Pipeline;
  readonly sink: EventSink;
  readonly mapperSource: EventSource;
  /** The window stage's source (two-stage path only). */
  readonly windowSource: EventSource | undefined;
  /** Closes the sink and the state store (after pipeline.run() settled). */
  close(): Promise<void>;
}

/** Builds what `shiftstream run` runs; on a failure half-way it closes what it opened and rethrows. */
export async function createPlantPipeline(
  config: Config,
  topology: TopologyPlan,
  options: PlantPipelineOptions,
): Promise<PlantPipeline> {
  const { logger, readiness } = options;
  const plantId = topology.plant.plantId;
  const t = topology.topics;
  const partitions = options.partitions ?? 4;
  const tagging = topology.orders.tagging;
  // Stage 2 reads the orders table for attribution from Odoo and for planned maintenance.
  const stage2 = topology.orders.attribution || topology.maintenance.equipment.size > 0;
  const readOrders = tagging || stage2;
  const ordersTopic = options.ordersTopic ?? topology.orders.topic;
  const sessionTimeoutMs = options.sessionTimeoutMs;
  const source = (groupId: string, topics: readonly string[]): EventSource =>
    options.adapters?.source?.(groupId, topics, sessionTimeoutMs) ??
    createEventSource(config, {
      groupId,
      topics: [...topics],
      ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }),
    });
  const closers: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    await Promise.allSettled(closers.reverse().map((c) => c()));
  };
  try {
    // The orders topic is compacted (orders sync creates it so too when it starts first).
    const counts = await ensureTopics(config, [
      ...topologyTopicSpecs(t, partitions),
      ...(readOrders ? [{ topic: ordersTopic, partitions, compacted: true }] : []),
    ]);
    readiness?.ready('kafka');
    const registry = createRegistryClient({
      url: config.registry.url,
      timeoutMs: config.registry.timeoutMs,
      ...(config.registry.username === undefined
        ? {}
        : { username: config.registry.username, password: config.registry.password ?? '' }),
    });
    const { codecs } = await createRegistryCodecs(registry, topologySchemaTopics(t));
    readiness?.ready('registry');
    const store = new RedisStateStore(config.redis);
    closers.push(() => store.close());
    readiness?.ready('redis');
    const clientId = `${config.kafka.clientId}-${plantId}`;
    const sink = options.adapters?.sink?.(clientId) ?? createEventSink(config, { clientId });
    closers.push(() => sink.close());
    // Milestones leave on a producer of their own, never queued behind the bulk records.
    const criticalId = `${clientId}-critical`;
    const criticalSink =
      options.adapters?.criticalSink?.(criticalId) ??
      createEventSink(config, { clientId: criticalId, lane: 'critical' });
    closers.push(() => criticalSink.close());
    const mapperSource = source(`${options.group}-map`, [t.raw, t.canonical]);
    const fused = options.fused ?? config.run.fused === 'on';
    const enrichedPartitions = counts.get(t.enriched) ?? partitions;
    // The fused path reads no enriched topic: no window group; one checkpoint under <group>-fused.
    const windowSource = fused ? undefined : source(`${options.group}-window`, [t.enriched]);
    const pipeline = createPipeline({
      topology,
      codecs,
      mapperSource,
      ...(windowSource === undefined ? {} : { windowSource }),
      windowGroupId: `${options.group}-window`,
      sink,
      criticalSink,
      store,
      clock: systemClock,
      metrics: options.metrics,
      log: logger,
      live: options.live,
      checkpointIntervalMs: config.run.checkpointIntervalMs,
      enrichedPartitions,
      sourcePartitions: counts.get(t.raw) ?? partitions,
      ...(fused
        ? {
            fused: {
              checkpointKey: `${options.group}-fused/${t.raw}`,
              inputs: [
                { topic: t.raw, partitions: counts.get(t.raw) ?? partitions },
                { topic: t.canonical, partitions: counts.get(t.canonical) ?? partitions },
              ],
              // The sinks place a keyed record like Kafka's default partitioner (murmur2).
              partitionOf: (key: string) => partitionForKey(Buffer.from(key), enrichedPartitions),
            },
          }
        : {}),
      ...(readOrders
        ? {
            orders: {
              tagging,
              stage2,
              attribution: topology.orders.attribution,
              topic: ordersTopic,
              // Every process reads the whole table: a group of its own, never committed.
              source: source(`${options.group}-orders-${randomUUID()}`, [ordersTopic]),
              offsets: () => fetchTopicOffsets(config, ordersTopic),
              loadTimeoutMs: topology.orders.loadTimeoutMs,
            },
          }
        : {}),
    });
    if (fused)
      logger.info(
        { checkpoint: `${options.group}-fused/${t.raw}`, enrichedPartitions },
        'fused path: map and windows in this process (run.fused=on); the enriched topic is written, not read',
      );
    if (readOrders)
      logger.info(
        { topic: ordersTopic, loadTimeoutMs: topology.orders.loadTimeoutMs, tagging, stage2 },
        'reading the orders table',
      );
    return { pipeline, sink, mapperSource, windowSource, close };
  } catch (err) {
    await close();
    throw err;
  }
}
