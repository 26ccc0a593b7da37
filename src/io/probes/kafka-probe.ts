// Doctor probe of Kafka: reachable, broker version, the topics the topologies need.
// The client options are run's (kafkaJsConfig: brokers, TLS with kafka.sslCaPath, SASL), so
// doctor checks exactly what `run` will use; only retries and logging differ.
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../../config/types.js';
import { kafkaJsConfig } from '../kafka/kafkajs-config.js';
import { fetchApiVersions, releaseOfMetadataLevel } from './kafka-api-versions.js';
import { errorText, type ProbeLine } from './probe.js';

export interface NeededTopic {
  readonly topic: string;
  /** Where it is needed, e.g. `topologies/plant-a.yaml topics.raw`. */
  readonly neededBy: string;
}

export async function probeKafka(full: Config, needed: readonly NeededTopic[]): Promise<ProbeLine[]> {
  const config = full.kafka;
  const where = config.brokers.join(',');
  const lines: ProbeLine[] = [];
  let kafka: Kafka;
  try {
    const { logCreator: _ignored, ...options } = kafkaJsConfig(full, undefined, `${config.clientId}-doctor`);
    kafka = new Kafka({ ...options, logLevel: logLevel.NOTHING, retry: { retries: 1, maxRetryTime: 2_000 } });
  } catch (err) {
    return [
      {
        server: 'kafka',
        status: 'fail',
        message: `${where}: expected a usable Kafka configuration, found: ${errorText(err)}`,
      },
    ];
  }
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    lines.push({
      server: 'kafka',
      status: 'ok',
      message: `${where}: reachable, ${cluster.brokers.length} broker(s), cluster ${cluster.clusterId}`,
    });
    lines.push(
      await versionLine(
        config,
        cluster.brokers[0] === undefined ? undefined : `${cluster.brokers[0].host}:${cluster.brokers[0].port}`,
      ),
    );
    const existing = new Set(await admin.listTopics());
    for (const n of needed) {
      lines.push(
        existing.has(n.topic)
          ? { server: 'kafka', status: 'ok', message: `topic ${n.topic} exists (${n.neededBy})` }
          : {
              server: 'kafka',
              status: 'fail',
              message: `topic ${n.topic} (${n.neededBy}): expected to exist, found missing`,
            },
      );
    }
  } catch (err) {
    lines.push({
      server: 'kafka',
      status: 'fail',
      message:
        `${where}: expected a reachable broker within ` + `${config.connectionTimeoutMs} ms, found: ${errorText(err)}`,
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return lines;
}

async function versionLine(config: Config['kafka'], address: string | undefined): Promise<ProbeLine> {
  if (config.ssl || config.sasl !== undefined || address === undefined) {
    return {
      server: 'kafka',
      status: 'skip',
      message: 'broker version: not read over TLS/SASL (the probe speaks plain ApiVersions)',
    };
  }
  try {
    const v = await fetchApiVersions(address, config.requestTimeoutMs);
    const supported = v.supportedFeatures.get('metadata.version');
    const finalized = v.finalizedFeatures.get('metadata.version');
    const release = supported === undefined ? undefined : releaseOfMetadataLevel(supported.max);
    const fetchMin = v.apis.get(1)?.min ?? 0;
    if (fetchMin < 4 || release === undefined || !release.startsWith('4.')) {
      return {
        server: 'kafka',
        status: 'fail',
        message:
          `broker version at ${address}: expected Kafka 4.x, found ${release ?? 'an older release'} ` +
          `(Fetch min version ${fetchMin}, metadata.version ${supported?.max ?? 'none'})`,
      };
    }
    return {
      server: 'kafka',
      status: 'ok',
      message:
        `broker ${address}: Kafka ${release}.x (metadata.version supported ` +
        `${supported?.max}, finalized ${finalized?.max ?? 'none'})`,
    };
  } catch (err) {
    return {
      server: 'kafka',
      status: 'fail',
      message: `broker version at ${address}: expected an ApiVersions answer, found: ${errorText(err)}`,
    };
  }
}
