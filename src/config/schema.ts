// One declaration per configuration key drives defaults, parsing, validation, env names and the
// reference in docs (Benthos style). Paths are `section.key` or `section.sub.key`.

export type KeyKind =
  | { readonly type: 'string' }
  | { readonly type: 'list' }
  | { readonly type: 'boolean' }
  | { readonly type: 'port' }
  | { readonly type: 'duration' }
  | { readonly type: 'enum'; readonly values: readonly string[] };

export interface KeySpec {
  readonly kind: KeyKind;
  /** undefined = optional without default. */
  readonly default?: unknown;
  /** Secrets come only from the environment (or `<VAR>_FILE`) or flags, and are redacted. */
  readonly secret?: boolean;
  readonly doc: string;
}

const str = { type: 'string' } as const;
const dur = { type: 'duration' } as const;
const bool = { type: 'boolean' } as const;

export const CONFIG_KEYS = {
  'kafka.brokers': {
    kind: { type: 'list' },
    default: ['127.0.0.1:9092'],
    doc: 'Bootstrap brokers, host:port, comma-separated in env.',
  },
  'kafka.clientId': { kind: str, default: 'shiftstream', doc: 'Kafka client id.' },
  'kafka.client': {
    kind: { type: 'enum', values: ['kafkajs', 'rdkafka'] },
    default: 'kafkajs',
    doc: 'Kafka client library.',
  },
  'kafka.ingestClient': {
    kind: { type: 'enum', values: ['kafkajs', 'rdkafka'] },
    default: 'rdkafka',
    doc: 'Kafka client of `ingest` from MQTT (its transactional producer); file ingest always uses kafkajs.',
  },
  'kafka.ssl': { kind: bool, default: false, doc: 'Use TLS to the brokers.' },
  'kafka.sslCaPath': {
    kind: str,
    doc: "PEM file of the CA(s) that signed the brokers' certificates (needs kafka.ssl); unset = the system CAs.",
  },
  'kafka.connectionTimeoutMs': { kind: dur, default: 10_000, doc: 'Deadline of one broker connection attempt.' },
  'kafka.requestTimeoutMs': { kind: dur, default: 30_000, doc: 'Deadline of one broker request.' },
  'kafka.sasl.mechanism': {
    kind: { type: 'enum', values: ['plain', 'scram-sha-256', 'scram-sha-512'] },
    doc: 'SASL mechanism; unset = no SASL.',
  },
  'kafka.sasl.username': { kind: str, doc: 'SASL user name.' },
  'kafka.sasl.password': { kind: str, secret: true, doc: 'SASL password (secret).' },
  'registry.url': {
    kind: str,
    default: 'http://127.0.0.1:8081/apis/ccompat/v7',
    doc: 'Confluent-compatible schema registry base URL.',
  },
  'registry.username': { kind: str, doc: 'Registry basic-auth user.' },
  'registry.password': { kind: str, secret: true, doc: 'Registry basic-auth password (secret).' },
  'registry.timeoutMs': { kind: dur, default: 10_000, doc: 'Deadline of one registry request.' },
  'redis.url': { kind: str, default: 'redis://127.0.0.1:6379', doc: 'Redis URL (redis:// or rediss://).' },
  'redis.tls': { kind: bool, default: false, doc: 'Use TLS to Redis.' },
  'redis.tlsCaPath': {
    kind: str,
    doc: "PEM file of the CA(s) that signed Redis' certificate (needs redis.tls or rediss://); unset = the system CAs.",
  },
  'redis.username': {
    kind: str,
    doc: 'Redis ACL user (Redis 6+); unset = the default user. Wins over a user in redis.url.',
  },
  'redis.password': { kind: str, secret: true, doc: 'Redis password (secret). Wins over a password in redis.url.' },
  'redis.keyPrefix': { kind: str, default: 'shiftstream:', doc: 'Prefix of every Redis key.' },
  'odoo.url': { kind: str, doc: 'Odoo base URL; unset = Odoo not configured.' },
  'odoo.db': { kind: str, doc: 'Odoo database name.' },
  'odoo.login': { kind: str, doc: 'Odoo user login.' },
  'odoo.apiKey': { kind: str, secret: true, doc: 'Odoo API key (secret).' },
  'odoo.protocol': {
    kind: { type: 'enum', values: ['auto', 'json2', 'jsonrpc'] },
    default: 'auto',
    doc: 'JSON-2 API (Odoo 19+), JSON-RPC, or detect.',
  },
  'odoo.timeoutMs': { kind: dur, default: 30_000, doc: 'Deadline of one Odoo call.' },
  'http.port': { kind: { type: 'port' }, default: 9464, doc: 'Port of /metrics and /health; 0 = off.' },
  'log.level': {
    kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    doc: 'Log level.',
  },
  'run.topologies': { kind: { type: 'list' }, default: [], doc: 'Topology files to run (comma-separated in env).' },
  'run.checkpointIntervalMs': { kind: dur, default: 5_000, doc: 'How often state and offsets are checkpointed.' },
  'run.shutdownTimeoutMs': { kind: dur, default: 30_000, doc: 'Deadline of a graceful stop.' },
  'run.fused': {
    kind: { type: 'enum', values: ['off', 'on'] },
    default: 'off',
    doc:
      'on: map and windows in one process, the enriched topic written but not read back; ' +
      'only for the sole instance of a plant (docs/architecture.md "Fused path").',
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export const SECTIONS = ['kafka', 'registry', 'redis', 'odoo', 'http', 'log', 'run'] as const;

/** `kafka.sasl.password` -> `SHIFTSTREAM_KAFKA__SASL__PASSWORD`. */
export function envName(key: string): string {
  return `SHIFTSTREAM_${key
    .split('.')
    .map((part) => part.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase())
    .join('__')}`;
}
