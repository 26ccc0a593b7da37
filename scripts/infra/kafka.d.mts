// Types of scripts/infra/kafka.mjs for the TypeScript tests that start their own broker
// (test/integration/support/secure-kafka.ts). Keep in step with startKafka's options.

export declare const KAFKA_VERSION: string;
export declare const KAFKA_MARKER: string;

export interface KafkaListener {
  /** Listener name, e.g. SASL_SSL; also the key of listener.name.<name lowercased>.* properties. */
  readonly name: string;
  readonly port: number;
  /** PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
  readonly protocol: string;
}

export interface ScramUser {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly name: string;
  readonly password: string;
}

export interface StartKafkaOptions {
  readonly timeoutMs?: number;
  readonly port?: number;
  readonly controllerPort?: number;
  readonly dir?: string;
  readonly listeners?: readonly KafkaListener[];
  readonly properties?: Readonly<Record<string, string>>;
  readonly scramUsers?: readonly ScramUser[];
  readonly heap?: readonly string[];
  readonly classDataArchive?: boolean;
  readonly label?: string;
}

export interface StartedKafka {
  readonly pid: number;
  readonly address: string;
  readonly logPath: string;
  readonly version: string;
  readonly metadataVersion: { readonly level: number; readonly name: string } | null;
  readonly java: number;
  readonly readyMs: number;
}

export declare function resolveKafka(): string;
export declare function startKafka(options?: StartKafkaOptions): Promise<StartedKafka>;
export declare function kafkaReady(address: string, timeoutMs?: number): Promise<unknown>;
export declare function kafkaLogPath(): string;
export declare function kafkaAddress(): string;
