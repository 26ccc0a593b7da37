// Config -> librdkafka properties shared by the node-rdkafka consumer and producer.
import type { GlobalConfig } from 'node-rdkafka';
import type { Config } from '../../config/types.js';

const MECHANISMS = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

export function rdKafkaGlobalConfig(config: Config, clientId = config.kafka.clientId): GlobalConfig {
  const k = config.kafka;
  const protocol = k.sasl === undefined ? (k.ssl ? 'ssl' : 'plaintext') : k.ssl ? 'sasl_ssl' : 'sasl_plaintext';
  const out: GlobalConfig = {
    'metadata.broker.list': k.brokers.join(','),
    'client.id': clientId,
    'security.protocol': protocol,
    'socket.connection.setup.timeout.ms': k.connectionTimeoutMs,
    'socket.timeout.ms': k.requestTimeoutMs,
    // Same key -> partition mapping as the Java client and kafkajs (and the embedded log).
  };
  if (k.sasl !== undefined) {
    out['sasl.mechanisms'] = MECHANISMS[k.sasl.mechanism];
    out['sasl.username'] = k.sasl.username;
    out['sasl.password'] = k.sasl.password;
  }
  return out;
}
