// Registry-backed Avro serde for the hot path, Confluent wire format, avsc directly.
// - The writer schema of each id is fetched once; the reader/writer resolver is built once per id
//   and cached (passing a reader schema per call re-parses it: ~5k msg/s, see
//   ../shared/notes/performance.md).
// - Decoding is synchronous. Call `await prepare(buffers)` once per batch: it fetches the ids the
//   batch uses that are not cached yet. A registry that cannot be reached throws (retryable); a
//   registry that does not know an id makes decode return 'unknown-schema-id'.
// - A bad record is a value, not a throw: it goes to the dead-letter topic.
import avsc from 'avsc';
import { SchemaError } from '../../errors.js';
import type { SchemaSource } from './registry-client.js';
import { HEADER_LENGTH, readWireHeader, writeWireHeader } from './wire-format.js';

export type DecodeFailureReason = 'malformed-avro' | 'unknown-schema-id';

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T; readonly schemaId: number }
  | {
      readonly ok: false;
      readonly reason: DecodeFailureReason;
      readonly detail: string;
      readonly schemaId: number | null;
    };

export interface AvroDecoder<T> {
  /** Fetches writer schemas for ids in these records that are not cached yet. */
  prepare(buffers: Iterable<Uint8Array | null | undefined>): Promise<void>;
  /** Synchronous decode; ids not prepared yet give 'unknown-schema-id'. */
  decode(buf: Uint8Array): DecodeResult<T>;
  /** prepare + decode for one record (convenience, not for the hot path). */
  decodeOne(buf: Uint8Array): Promise<DecodeResult<T>>;
}

export interface AvroEncoder<T> {
  readonly schemaId: number;
  encode(value: T): Buffer;
}

/** `readerType`: the schema this process reads with; writers' schemas are resolved against it. */
export function createAvroDecoder<T>(readerType: avsc.Type, source: SchemaSource): AvroDecoder<T> {
  /** id -> resolver (or the reader itself when the writer schema is identical), null = unknown id. */
  const resolvers = new Map<number, avsc.Resolver | avsc.Type | null>();
  const problems = new Map<number, string>();
  const readerFingerprint = readerType.fingerprint('sha256').toString('hex');

  async function resolve(id: number): Promise<void> {
    const text = await source.fetchSchema(id);
    if (text === undefined) {
      resolvers.set(id, null);
      problems.set(id, `the registry has no schema with id ${id}`);
      return;
    }
    try {
      const writer = avsc.Type.forSchema(JSON.parse(text) as avsc.Schema);
      resolvers.set(
        id,
        writer.fingerprint('sha256').toString('hex') === readerFingerprint
          ? readerType
          : readerType.createResolver(writer),
      );
    } catch (err) {
      resolvers.set(id, null);
      problems.set(
        id,
        `writer schema ${id} cannot be read as ${readerType.name ?? 'the reader schema'}: ${(err as Error).message}`,
      );
    }
  }

  const decode = (buf: Uint8Array): DecodeResult<T> => {
    const header = readWireHeader(buf);
    if (!header.ok) return { ok: false, reason: 'malformed-avro', detail: header.detail, schemaId: null };
    const id = header.schemaId;
    const resolver = resolvers.get(id);
    if (resolver === undefined || resolver === null) {
      return {
        ok: false,
        reason: 'unknown-schema-id',
        detail: problems.get(id) ?? `schema id ${id} was not prepared`,
        schemaId: id,
      };
    }
    const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    try {
      const r =
        resolver === readerType ? readerType.decode(b, HEADER_LENGTH) : readerType.decode(b, HEADER_LENGTH, resolver);
      if (r.offset === b.length) return { ok: true, value: r.value as T, schemaId: id };
      const detail =
        r.offset < 0
          ? `expected a complete Avro body for schema ${id}, found a truncated one (${b.length - HEADER_LENGTH} bytes)`
          : `expected the Avro body for schema ${id} to end at byte ${b.length}, found it ends at ${r.offset}`;
      return { ok: false, reason: 'malformed-avro', detail, schemaId: id };
    } catch (err) {
      return { ok: false, reason: 'malformed-avro', detail: `schema ${id}: ${(err as Error).message}`, schemaId: id };
    }
  };

  return {
    async prepare(buffers) {
      const missing = new Set<number>();
      for (const buf of buffers) {
        if (!buf) continue;
        const header = readWireHeader(buf);
        if (header.ok && !resolvers.has(header.schemaId)) missing.add(header.schemaId);
      }
      await Promise.all([...missing].map(resolve));
    },
    decode,
    async decodeOne(buf) {
      await this.prepare([buf]);
      return decode(buf);
    },
  };
}

/** Encoder for one registered schema id. Encodes into a reusable scratch buffer, one copy out. */
export function createAvroEncoder<T>(type: avsc.Type, schemaId: number): AvroEncoder<T> {
  let scratch = Buffer.allocUnsafe(1024);
  return {
    schemaId,
    encode(value) {
      for (;;) {
        let end: number;
        try {
          end = type.encode(value, scratch, HEADER_LENGTH);
        } catch (err) {
          throw invalidValue(type, value, err);
        }
        if (end < 0) {
          scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, -end + HEADER_LENGTH));
          continue;
        }
        writeWireHeader(scratch, schemaId);
        return Buffer.from(scratch.subarray(0, end));
      }
    },
  };
}

function invalidValue(type: avsc.Type, value: unknown, cause: unknown): SchemaError {
  const paths: string[] = [];
  type.isValid(value, { errorHook: (path, v) => paths.push(`${path.join('.') || '(root)'} = ${JSON.stringify(v)}`) });
  return new SchemaError(
    'SHIFTSTREAM_SCHEMA_INVALID',
    `cannot encode a value as ${type.name ?? 'Avro'}: expected values matching ` +
      `the schema, found ${paths.slice(0, 5).join('; ') || String(cause)}`,
    { cause },
  );
}
