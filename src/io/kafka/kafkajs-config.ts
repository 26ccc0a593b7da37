// Config -> kafkajs client options (brokers, TLS, SASL PLAIN/SCRAM, timeouts, logs into our logger).
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, logCreator, SASLOptions } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../../config/types.js';
import { readCaFile } from '../../config/ca-file.js';
import type { AdapterLogger } from './adapter-logger.js';
import { silentLogger } from './adapter-logger.js';

export function kafkaJsConfig(
  config: Config,
  logger: AdapterLogger = silentLogger,
  clientId = config.kafka.clientId,
): KafkaConfig {
  const k = config.kafka;
  const out: KafkaConfig = {
    clientId,
    brokers: [...k.brokers],
    ssl: kafkaJsTls(k),
    connectionTimeout: k.connectionTimeoutMs,
    requestTimeout: k.requestTimeoutMs,
    logLevel: logLevel.INFO,
    logCreator: kafkaJsLogCreator(logger),
  };
  if (k.sasl !== undefined) {
    const sasl: SASLOptions =
      k.sasl.mechanism === 'plain'
        ? { mechanism: 'plain', username: k.sasl.username, password: k.sasl.password }
        : k.sasl.mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username: k.sasl.username, password: k.sasl.password }
          : { mechanism: 'scram-sha-512', username: k.sasl.username, password: k.sasl.password };
    out.sasl = sasl;
  }
  return out;
}

/**
 * `ssl: true` verifies the brokers against Node's CA store; with kafka.sslCaPath, against that CA
 * only (host name checked as well: the certificate must name the broker address).
 */
function kafkaJsTls(k: Config['kafka']): boolean | ConnectionOptions {
  if (!k.ssl) return false;
  if (k.sslCaPath === undefined) return true;
  return { ca: [readCaFile('kafka.sslCaPath', k.sslCaPath)] };
}

export function createKafkaJs(config: Config, logger?: AdapterLogger, clientId?: string): Kafka {
  return new Kafka(kafkaJsConfig(config, logger, clientId));
}

/** kafkajs logs go to our logger; its chatty info lines (joins, fetches) go to debug. */
function kafkaJsLogCreator(logger: AdapterLogger): logCreator {
  return () => (entry) => {
    const { message, ...fields } = entry.log;
    const obj = { component: 'kafkajs', namespace: entry.namespace, ...fields };
    const msg = `kafkajs: ${String(message).toLowerCase()}`;
    if (entry.level === logLevel.ERROR) logger.error(obj, msg);
    else if (entry.level === logLevel.WARN) logger.warn(obj, msg);
    else logger.debug(obj, msg);
  };
}
