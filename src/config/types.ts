// The typed, frozen configuration (see schema.ts for every key, its default and its doc).

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface Config {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly client: 'kafkajs' | 'rdkafka';
    /** The client of `ingest` from MQTT (docs/ingest.md); file ingest always uses kafkajs. */
    readonly ingestClient: 'kafkajs' | 'rdkafka';
    readonly ssl: boolean;
    /** PEM CA file that verifies the brokers (kafka.ssl only); unset = the system CAs. */
    readonly sslCaPath?: string;
    readonly connectionTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  };
  readonly registry: {
    readonly url: string;
    readonly username?: string;
    readonly password?: string;
    readonly timeoutMs: number;
  };
  readonly redis: {
    readonly url: string;
    readonly tls: boolean;
    /** PEM CA file that verifies Redis (TLS only); unset = the system CAs. */
    readonly tlsCaPath?: string;
    readonly username?: string;
    readonly password?: string;
    readonly keyPrefix: string;
  };
  /** Present only when odoo.url is set; then db, login and apiKey are required. */
  readonly odoo?: {
    readonly url: string;
    readonly db: string;
    readonly login: string;
    readonly apiKey: string;
    /** The file apiKey was read from (SHIFTSTREAM_ODOO__API_KEY_FILE): read again when Odoo refuses the key. */
    readonly apiKeyFile?: string;
    readonly protocol: 'auto' | 'json2' | 'jsonrpc';
    readonly timeoutMs: number;
  };
  readonly http: { readonly port: number };
  readonly log: { readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  readonly run: {
    readonly topologies: readonly string[];
    readonly checkpointIntervalMs: number;
    readonly shutdownTimeoutMs: number;
    /** on: the fused path (this process is the only instance); off: the two-stage path. */
    readonly fused: 'off' | 'on';
  };
}
