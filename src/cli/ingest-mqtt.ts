// The composition of `shiftstream ingest` from MQTT: registry codecs, the file spool, the mqtt.js
// source and the transactional Kafka sink, served with /metrics, /healthz and /readyz. Starts
// without Kafka (the spool takes the samples until it answers); the registry must answer at start.
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { ShiftstreamError, UsageError } from '../errors.js';
import { createReadiness, startHttpServer } from '../http/index.js';
import { runMqttIngest, spoolPosition } from '../ingest/mqtt-ingest.js';
import { createRegistryCodecs, topologySchemaTopics } from '../io/avro/codecs.js';
import { createRegistryClient } from '../io/avro/registry-client.js';
import { ensureTopics } from '../io/kafka/admin.js';
import { createKafkaIngestSink } from '../io/kafka/kafkajs-ingest-sink.js';
import { RdKafkaIngestSink } from '../io/kafka/rdkafka-ingest-sink.js';
import { MqttJsSource } from '../io/mqtt/mqtt-source.js';
import { createSparkplugCodec } from '../io/mqtt/sparkplug-codec.js';
import { SPARKPLUG_NAMESPACE, SparkplugSession } from '../ingest/sparkplug.js';
import { FileSpool } from '../io/spool/file-spool.js';
import { createLogger } from '../logging/index.js';
import { createPromMetrics, type BoundCounter } from '../metrics/index.js';
import type { TopologyPlan } from '../topology/types.js';

export interface MqttIngestArgs {
  readonly mqttUrl: string | undefined;
  readonly spoolDir: string;
  readonly rejectsFile: string;
  readonly partitions: number;
  readonly batch: number;
  readonly drainShare: number;
  readonly ids: (inputId: string) => { readonly group: string; readonly positionsTopic: string };
}

export async function runMqttIngestCommand(
  config: Config,
  topology: TopologyPlan,
  args: MqttIngestArgs,
  signal: AbortSignal,
): Promise<void> {
  const mqtt = topology.ingest?.mqtt;
  if (mqtt === undefined)
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `ingest: expected --input <file> or an ingest.mqtt section in ${topology.source}, found neither`,
    );
  const plantId = topology.plant.plantId;
  const spoolPlan = topology.ingest!.spool;
  const logger = createLogger({ level: config.log.level, base: { service: 'shiftstream', plantId } });
  const metrics = createPromMetrics({ defaultLabels: { plantId } });
  const readiness = createReadiness(['registry', 'spool', 'mqtt']);
  const http = await startHttpServer({
    port: config.http.port,
    metrics,
    health: { readiness: readiness.probe },
    onError: (err, path) => logger.error({ err, path }, 'http handler failed'),
  });
  try {
    const registry = createRegistryClient({
      url: config.registry.url,
      timeoutMs: config.registry.timeoutMs,
      ...(config.registry.username === undefined
        ? {}
        : { username: config.registry.username, password: config.registry.password ?? '' }),
    });
    const { codecs } = await createRegistryCodecs(registry, topologySchemaTopics(topology.topics));
    readiness.ready('registry');
    const spool = await FileSpool.open({
      dir: args.spoolDir,
      segmentBytes: spoolPlan.segmentBytes,
      maxBytes: spoolPlan.maxBytes,
      maxAgeMs: spoolPlan.maxAgeMs,
      onDrop: (d) => {
        metrics.inc('shiftstream_ingest_spool_dropped_total', { reason: d.reason }, d.records);
        logger.error(
          { ...d, from: new Date(d.oldestSpooledAtMs).toISOString(), to: new Date(d.newestSpooledAtMs).toISOString() },
          `spool bound ${d.reason} reached: dropped the oldest ${d.records} samples (spooled ` +
            `${new Date(d.oldestSpooledAtMs).toISOString()} .. ${new Date(d.newestSpooledAtMs).toISOString()}) ` +
            'that Kafka never acknowledged, to keep the newest',
        );
      },
    });
    readiness.ready('spool', args.spoolDir);
    const url = args.mqttUrl ?? mqtt.url;
    const source = new MqttJsSource({
      url,
      clientId: mqtt.clientId,
      protocolVersion: mqtt.protocolVersion,
      filters: [
        ...mqtt.subscriptions.map((s) => s.filter),
        ...(mqtt.sparkplug === undefined ? [] : SparkplugSession.filters(mqtt.sparkplug)),
      ],
      qos: mqtt.qos,
      ...(mqtt.sparkplug?.hostId === undefined
        ? {}
        : { hostState: { topic: `${SPARKPLUG_NAMESPACE}/STATE/${mqtt.sparkplug.hostId}` } }),
    });
    const inputName = `mqtt:${mqtt.clientId}`;
    const ids = args.ids(inputName);
    const raw = topology.topics.raw;
    const connected = metrics.gauge('shiftstream_ingest_mqtt_connected', {});
    const counters = {
      out: metrics.counter('shiftstream_ingest_samples_out_total', { input: 'mqtt' }),

      depth: metrics.gauge('shiftstream_ingest_spool_depth', {}),
      bytes: metrics.gauge('shiftstream_ingest_spool_bytes', {}),
      age: metrics.gauge('shiftstream_ingest_spool_oldest_age_seconds', {}),
      rate: metrics.gauge('shiftstream_ingest_drain_rate', {}),
    };
    const samplesIn: Partial<Record<'mqtt' | 'sparkplug', BoundCounter>> = {};
    logger.info({ url, clientId: mqtt.clientId, spool: args.spoolDir, topic: raw, port: http.port }, 'ingest starting');
    try {
      await runMqttIngest({
        plan: topology.plant,
        rawTopic: raw,
        subscriptions: mqtt.subscriptions,
        ...(mqtt.sparkplug === undefined
          ? {}
          : {
              sparkplug: {
                plan: mqtt.sparkplug,
                codec: createSparkplugCodec(),
                stateFile: join(args.spoolDir, 'sparkplug-births.json'),
              },
            }),
        source,
        spool,
        sink: () =>
          config.kafka.ingestClient === 'rdkafka'
            ? new RdKafkaIngestSink(config, {
                transactionalId: ids.group,
                // The offset alone is the position: the spool's id goes into the group's name.
                positionsGroup: `${ids.group}-spool-${spool.id}`,
                positionsTopic: ids.positionsTopic,
                positionAt: (seq) => spoolPosition(inputName, spool.id, seq),
                logger,
              })
            : createKafkaIngestSink(config, {
                transactionalId: ids.group,
                positionsGroup: ids.group,
                positionsTopic: ids.positionsTopic,
              }),
        prepare: async () => {
          await ensureTopics(config, [
            { topic: raw, partitions: args.partitions },
            { topic: ids.positionsTopic, partitions: 1, compacted: true },
          ]);
        },
        codec: codecs.raw,
        rejectsFile: args.rejectsFile,
        inputName,
        batchRecords: args.batch,
        drainShare: args.drainShare,
        log: logger,
        signal,
        counters: {
          // Per message: a counter handle (made on first use), not a label lookup each time.
          received: (n, input) =>
            (samplesIn[input] ??= metrics.counter('shiftstream_ingest_samples_in_total', { input })).inc(n),
          forwarded: (n) => counters.out.inc(n),
          rejected: (reason, input) => metrics.inc('shiftstream_ingest_rejects_total', { input, reason }),
          rebirth: (reason) => metrics.inc('shiftstream_ingest_sparkplug_rebirths_total', { reason }),
          connection: (state) => {
            connected.set(state === 'connected' ? 1 : 0);
            if (state === 'connected') readiness.ready('mqtt', url);
            else readiness.notReady('mqtt', `not connected to ${url}`);
          },
          kafka: (up, detail) => readiness.ready('kafka', up ? detail : `unreachable: ${detail}`),
          spool: (depth, bytes, age, rate) => {
            // Ready while the spool takes samples; not once it is near its bound (the oldest would go).
            if (bytes >= spoolPlan.maxBytes * 0.9)
              readiness.notReady(
                'spool',
                `${bytes} of at most ${spoolPlan.maxBytes} bytes (${depth} samples, oldest ${Math.round(age)} s): ` +
                  'at the bound the oldest segments are dropped',
              );
            else readiness.ready('spool', `${depth} samples, ${bytes} bytes, oldest ${Math.round(age)} s`);
            counters.depth.set(depth);
            counters.bytes.set(bytes);
            counters.age.set(age);
            counters.rate.set(rate);
          },
        },
      });
    } finally {
      await spool.close();
    }
    logger.info({}, 'ingest stopped');
  } catch (err) {
    if (err instanceof ShiftstreamError) throw err;
    throw new ShiftstreamError('SHIFTSTREAM_INFRA', `ingest from mqtt: ${(err as Error).message}`, { cause: err });
  } finally {
    await http.close();
    logger.flush();
  }
}
