// Composition of the Odoo services from a Config and a topology: the Odoo client (with its circuit
// breaker), master data, Redis (ledger and service state), the Avro codecs and Kafka adapters.
// Used by the posting kinds (cli/kinds/) and the commands post, dlq, reconcile and orders.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.js';
import type { BackoffPolicy } from '../core/backoff.js';
import { readToEnd, type EndOffsets } from '../engine/topic-reader.js';
import { ConfigError } from '../errors.js';
import { createRegistryCodecs } from '../io/avro/codecs.js';
import { createRegistryClient } from '../io/avro/registry-client.js';
import type { SchemaName } from '../io/avro/schema-files.js';
import type { AdapterLogger } from '../io/kafka/adapter-logger.js';
import { createEventSink, createEventSource, type EventSourceOptions } from '../io/kafka/factory.js';
import { createMissingTopics } from '../io/kafka/admin.js';
import { createKafkaJs } from '../io/kafka/kafkajs-config.js';
import type { BatchPolicy } from '../io/odoo/batch-policy.js';
import type { BreakerState, CircuitBreaker } from '../io/odoo/circuit-breaker.js';
import { createCircuitBreaker } from '../io/odoo/circuit-breaker.js';
import type { OdooClient } from '../io/odoo/client.js';
import { createOdooClient } from '../io/odoo/client.js';
import { createLiveDowntime, liveDowntimeStoreOn, withLiveDowntime } from '../io/odoo/live-downtime.js';
import type { MasterData, MasterDataRequest, ResolvedMasterData } from '../io/odoo/master-data.js';
import { createMasterData, masterDataRequestOf } from '../io/odoo/master-data.js';
import type { PostingLedger } from '../io/odoo/ledger.js';
import type { ProductivityWriter } from '../io/odoo/productivity-writer.js';
import { createProductivityWriter } from '../io/odoo/productivity-writer.js';
import { createRedisLedger } from '../io/odoo/redis-ledger.js';
import { createRedisClient, type RedisClient } from '../io/redis/client.js';
import { createRedisKeyValue } from '../io/redis/redis-key-value.js';
import type { Codecs } from '../ports/codecs.js';
import type { EventSink } from '../ports/event-sink.js';
import type { EventSource, SourceRecord } from '../ports/event-source.js';
import type { KeyValueStore } from '../ports/key-value.js';
import type { TopologyPlan } from '../topology/types.js';

/** Write retries of the posters (the client retries reads itself). */
export const WRITE_RETRY: BackoffPolicy = { initialMs: 200, maxMs: 5_000, multiplier: 2, maxAttempts: 5 };

export interface OdooRuntime {
  readonly client: OdooClient;
  readonly breaker: CircuitBreaker;
  readonly masterData: MasterData;
  readonly request: MasterDataRequest;
  targets(): Promise<ResolvedMasterData>;
  readonly redis: RedisClient;
  /** `<redis.keyPrefix>odoo:<plantId>:` */
  readonly ledgerPrefix: string;
  readonly ledger: PostingLedger;
  /** Service state (milestone ledger, orders cursor) under the same prefix. */
  readonly kv: KeyValueStore;
  /**
   * The shift writer; confirmed shifts clip the live (milestone) downtime records of their work centers
   * (live-downtime.ts).
   */
  newWriter(policy: BatchPolicy, retry?: BackoffPolicy): ProductivityWriter;
  close(): Promise<void>;
}

export interface OdooRuntimeOptions {
  readonly breakerThreshold?: number;
  readonly breakerOpenMs?: number;
  readonly onBreaker?: (from: BreakerState, to: BreakerState) => void;
  readonly writeRetry?: BackoffPolicy;
}

export function odooSection(config: Pick<Config, 'odoo'>, command: string): NonNullable<Config['odoo']> {
  if (config.odoo === undefined) {
    throw new ConfigError(
      'SHIFTSTREAM_CONFIG_INVALID',
      `${command}: expected Odoo to be configured (SHIFTSTREAM_ODOO__URL, ` +
        `__DB, __LOGIN, __API_KEY or --odoo.url ...), found no odoo.url`,
    );
  }
  return config.odoo;
}

export function createOdooRuntime(
  config: Pick<Config, 'odoo' | 'redis'>,
  plan: TopologyPlan,
  command: string,
  options: OdooRuntimeOptions = {},
): OdooRuntime {
  const odoo = odooSection(config, command);
  const breaker = createCircuitBreaker({
    failureThreshold: options.breakerThreshold ?? 5,
    openMs: options.breakerOpenMs ?? 5_000,
    nowMs: Date.now,
    ...(options.onBreaker === undefined ? {} : { onStateChange: options.onBreaker }),
  });
  const client = createOdooClient({
    url: odoo.url,
    db: odoo.db,
    login: odoo.login,
    apiKey: odoo.apiKey,
    ...(odoo.apiKeyFile === undefined ? {} : { apiKeyFile: odoo.apiKeyFile }),
    protocol: odoo.protocol,
    timeoutMs: odoo.timeoutMs,
    breaker,
    readRetry: { initialMs: 100, maxMs: 2_000, multiplier: 2, maxAttempts: 4 },
  });
  const masterData = createMasterData({ client, refreshMs: 300_000, nowMs: Date.now });
  const request = masterDataRequestOf(
    [...plan.plant.workCenters.values()].map((wc) => ({ workCenterId: wc.workCenterId, odooCode: wc.odooCode })),
    plan.odoo.losses,
  );
  const redis = createRedisClient(config.redis);
  const ledgerPrefix = `${config.redis.keyPrefix}odoo:${plan.plant.plantId}:`;
  const ledger = createRedisLedger({ redis, prefix: ledgerPrefix });
  const targets = (): Promise<ResolvedMasterData> => masterData.resolve(request);
  const kv = createRedisKeyValue(redis, ledgerPrefix);
  return {
    client,
    breaker,
    masterData,
    request,
    targets,
    redis,
    ledgerPrefix,
    ledger,
    kv,
    newWriter: (policy, retry) =>
      withLiveDowntime(
        createProductivityWriter({
          client,
          ledger,
          mapping: plan.odoo,
          targets,
          policy,
          retry: retry ?? options.writeRetry ?? WRITE_RETRY,
          nowMs: Date.now,
        }),
        createLiveDowntime({
          client,
          store: liveDowntimeStoreOn(kv),
          targets,
          retry: retry ?? options.writeRetry ?? WRITE_RETRY,
        }),
      ),
    async close() {
      client.close();
      redis.disconnect();
    },
  };
}

export interface ReadAllOptions {
  readonly topic: string;
  /** Names the throwaway consumer group: `shiftstream.<plantId>.<purpose>-<random>`. */
  readonly purpose: string;
  readonly timeoutMs: number;
  /** Next offset per partition to start from (default: the beginning). */
  readonly from?: ReadonlyMap<number, string>;
  readonly onRecords: (records: readonly SourceRecord[]) => Promise<void>;
}

export interface KafkaParts {
  readonly codecs: Codecs;
  source(options: EventSourceOptions): EventSource;
  sink(): EventSink;
  readonly endOffsets: EndOffsets;
  /**
   * Reads a topic to the end offsets taken now, in a consumer group of its own (deleted after);
   * resolves with those end offsets.
   */
  readAll(options: ReadAllOptions): Promise<ReadonlyMap<number, string>>;
  /** Creates topics that do not exist yet (compacted when asked). */
  ensureTopics(topics: readonly { topic: string; compacted?: boolean }[]): Promise<void>;
  deleteGroup(groupId: string): Promise<void>;
}

/** Topics per Avro schema whose values the commands decode (see schemaTopicsOf in posting-kinds.ts). */
export type SchemaTopics = Readonly<Record<SchemaName, readonly string[]>>;

export async function createKafkaParts(
  config: Config,
  plantId: string,
  schemaTopics: SchemaTopics,
  logger: AdapterLogger,
): Promise<KafkaParts> {
  const registry = createRegistryClient({
    url: config.registry.url,
    timeoutMs: config.registry.timeoutMs,
    ...(config.registry.username === undefined ? {} : { username: config.registry.username }),
    ...(config.registry.password === undefined ? {} : { password: config.registry.password }),
  });
  const { codecs } = await createRegistryCodecs(registry, schemaTopics);
  const kafka = createKafkaJs(config, logger, `${config.kafka.clientId}-odoo-admin`);
  async function withAdmin<T>(fn: (admin: ReturnType<typeof kafka.admin>) => Promise<T>): Promise<T> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }
  const endOffsets: EndOffsets = (topic) =>
    withAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high])));
  const deleteGroup = (groupId: string): Promise<void> =>
    withAdmin(async (admin) => {
      await admin.deleteGroups([groupId]);
    });
  return {
    codecs,
    source: (options) => createEventSource(config, { logger, ...options }),
    sink: () => createEventSink(config, { logger }),
    endOffsets,
    async readAll(o) {
      const ends = await endOffsets(o.topic);
      const groupId = `shiftstream.${plantId}.${o.purpose}-${randomBytes(4).toString('hex')}`;
      await readToEnd({
        source: createEventSource(config, { logger, groupId, topics: [o.topic] }),
        topic: o.topic,
        ends,
        timeoutMs: o.timeoutMs,
        onRecords: o.onRecords,
        ...(o.from === undefined ? {} : { from: o.from }),
      });
      await deleteGroup(groupId).catch(() => undefined);
      return ends;
    },
    ensureTopics: (topics) =>
      withAdmin(async (admin) => {
        await createMissingTopics(
          admin,
          topics.map((t) => ({ ...t, partitions: 4 })),
        );
      }),
    deleteGroup,
  };
}
