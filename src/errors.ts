// One catalog of error codes. Every code is documented here (a test keeps them unique and
// documented). Expected data conditions (late, duplicate, unknown tag, bad value) are NOT errors:
// the core returns them as verdicts. Errors are for configuration, infrastructure and invariants.

export const ERROR_CODES = {
  SHIFTSTREAM_CONFIG_INVALID: { retryable: false, doc: 'The configuration has one or more invalid or unknown keys.' },
  SHIFTSTREAM_TOPOLOGY_INVALID: { retryable: false, doc: 'A topology file failed its schema check or a lint rule.' },
  SHIFTSTREAM_TOPOLOGY_NOT_FOUND: { retryable: false, doc: 'A topology file could not be read.' },
  SHIFTSTREAM_SCHEMA_INVALID: { retryable: false, doc: 'An Avro schema file is not valid Avro.' },
  SHIFTSTREAM_SCHEMA_REGISTRY: {
    retryable: true,
    doc: 'The schema registry could not be reached or refused a request.',
  },
  SHIFTSTREAM_SCHEMA_INCOMPATIBLE: {
    retryable: false,
    doc: 'The registry refused a schema as incompatible with the subject.',
  },
  SHIFTSTREAM_KAFKA: { retryable: true, doc: 'A Kafka operation failed.' },
  SHIFTSTREAM_REDIS: { retryable: true, doc: 'A Redis operation failed.' },
  SHIFTSTREAM_ODOO_NETWORK: { retryable: true, doc: 'Odoo could not be reached, timed out or answered 5xx.' },
  SHIFTSTREAM_ODOO_CONCURRENCY: {
    retryable: true,
    doc: 'Odoo reported a serialization failure after its own retries.',
  },
  SHIFTSTREAM_ODOO_AUTH: { retryable: false, doc: 'Odoo refused the login or API key.' },
  SHIFTSTREAM_ODOO_ACCESS: { retryable: false, doc: 'Odoo refused access to a model or record (403).' },
  SHIFTSTREAM_ODOO_VALIDATION: { retryable: false, doc: 'Odoo refused values (UserError, ValidationError, 422).' },
  SHIFTSTREAM_ODOO_MISSING: { retryable: false, doc: 'A record, model or method does not exist in Odoo (404).' },
  SHIFTSTREAM_ODOO_PROTOCOL: { retryable: false, doc: 'Odoo answered something the client cannot read.' },
  SHIFTSTREAM_ODOO_SERVER: {
    retryable: true,
    doc: 'Odoo failed with an unexpected server error (HTTP 500 or an unknown exception name).',
  },
  SHIFTSTREAM_ODOO_MASTER_DATA: {
    retryable: false,
    doc: 'A work center or loss named by the topology is missing in Odoo.',
  },
  SHIFTSTREAM_INFRA: {
    retryable: false,
    doc: 'A local server (Kafka, registry, Redis) could not be started or reached.',
  },
  SHIFTSTREAM_SNAPSHOT_INVALID: {
    retryable: false,
    doc: 'A core snapshot could not be decoded or has an unknown version.',
  },
  SHIFTSTREAM_INPUT_INVALID: { retryable: false, doc: 'An input file (replay, report) is unreadable as a whole.' },
  SHIFTSTREAM_INPUT_REJECTED: {
    retryable: false,
    doc: "A record was rejected and the topology's rejected policy is 'fail'.",
  },
  SHIFTSTREAM_MATERIAL_REJECTED: {
    retryable: false,
    doc: 'A material event is incomplete or names a code the topology does not map (docs/semantics.md section 13).',
  },
  SHIFTSTREAM_STATE_RESTORE: {
    retryable: false,
    doc: 'A checkpoint could not be restored (unreadable, or made by another topology).',
  },
  SHIFTSTREAM_FUSED_NOT_SOLE: {
    retryable: false,
    doc: 'run.fused=on, but another member of the consumer group holds raw or canonical partitions.',
  },
  SHIFTSTREAM_USAGE: { retryable: false, doc: 'A command was called with bad flags or arguments.' },
  SHIFTSTREAM_INVARIANT: { retryable: false, doc: 'An internal invariant was broken: a bug, please report it.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
  /** Overrides the catalog's default. */
  readonly retryable?: boolean;
}

export class ShiftstreamError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
  }
}

export class ConfigError extends ShiftstreamError {}
export class TopologyError extends ShiftstreamError {}
export class SchemaError extends ShiftstreamError {}
export class KafkaError extends ShiftstreamError {}
export class RedisError extends ShiftstreamError {}
export class OdooError extends ShiftstreamError {}
export class InfraError extends ShiftstreamError {}
export class UsageError extends ShiftstreamError {}
export class InvariantError extends ShiftstreamError {}

export function isRetryable(err: unknown): boolean {
  return err instanceof ShiftstreamError ? err.retryable : false;
}
