// Config -> librdkafka properties shared by the node-rdkafka consumer and producer, and the
// watcher that turns a refused login or certificate into a clear error.
import type { Client, GlobalConfig, KafkaClientEvents } from 'node-rdkafka';
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
  };
  // librdkafka checks the broker's host name against its certificate by default
  // (ssl.endpoint.identification.algorithm=https), like Node's TLS does for kafkajs.
  if (k.ssl && k.sslCaPath !== undefined) out['ssl.ca.location'] = k.sslCaPath;
  if (k.sasl !== undefined) {
    out['sasl.mechanisms'] = MECHANISMS[k.sasl.mechanism];
    out['sasl.username'] = k.sasl.username;
    out['sasl.password'] = k.sasl.password;
  }
  return out;
}

/** A librdkafka log line as node-rdkafka emits it ('event.log'). */
interface RdKafkaLog {
  readonly severity: number;
  readonly fac: string;
  readonly message: string;
}

// "<broker>: <reason> (after 351ms in state AUTH_REQ)": the broker and the reason are kept.
const STATE = String.raw`(?: \(after \d+ms in state [A-Z_]+.*\))?$`;
const REFUSALS = [
  {
    pattern: new RegExp(String.raw`(\S+): (SASL authentication error: .*?)${STATE}`),
    hint: 'check kafka.sasl.mechanism, kafka.sasl.username and kafka.sasl.password',
  },
  {
    pattern: new RegExp(
      String.raw`(\S+): ((?:SSL handshake failed: )?error:[0-9A-F]+:.*certificate verify failed.*?)${STATE}`,
    ),
    hint:
      'check kafka.sslCaPath: the CA must have signed the ' +
      "brokers' certificates, which must name the broker address",
  },
] as const;

/**
 * librdkafka retries a refused SASL login or a failed certificate check forever, and node-rdkafka's
 * connect() then fails after its timeout with nothing but "broker transport failure". The reason
 * is in librdkafka's log, which node-rdkafka emits as 'event.log' without any polling. Calls
 * `onRefused` once, with librdkafka's reason and which keys to check, when such a line arrives.
 * Returns the function that stops watching (call it once connected: later refusals, say after a
 * password rotation on the brokers, stay librdkafka's to retry).
 */
export function watchRdKafkaRefusal(
  client: Client<KafkaClientEvents>,
  onRefused: (reason: string) => void,
): () => void {
  let done = false;
  const listener = (log: RdKafkaLog): void => {
    if (done || log.severity > 3 || typeof log.message !== 'string') return;
    for (const r of REFUSALS) {
      const m = r.pattern.exec(log.message);
      if (m === null) continue;
      stop();
      onRefused(`${m[1] ?? ''}: ${m[2] ?? log.message} (${r.hint})`);
      return;
    }
  };
  const stop = (): void => {
    done = true;
    client.removeListener('event.log', listener);
  };
  client.on('event.log', listener);
  return stop;
}
