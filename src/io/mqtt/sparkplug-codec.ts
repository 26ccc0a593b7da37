// SparkplugCodec on the Eclipse Tahu protobuf classes (protobufjs, generated from sparkplug_b.proto
// and shipped in sparkplug-payload) for decoding, and sparkplug-payload's encoder for the rebirth
// request. The values are read from the protobuf messages here rather than through
// sparkplug-payload's decodePayload, whose DataSet decoder (1.0.3) throws on columns of type Int8,
// Int16, Int32, UInt8, UInt16, UInt64, DateTime and Text (so one such table would make the whole
// payload undecodable) and gives Int64 values unsigned. 64-bit integers (Long) become numbers
// when they are safe integers; a larger one is decoded as undefined (cannot be carried exactly),
// and so is a PropertySet, Bytes or File value. A Template value keeps its member metrics
// (`members`), a DataSet value its table (`dataset`, cells by their column's type). A compressed
// payload (uuid `SPBV1.0_COMPRESSED`, its body DEFLATE or GZIP as named by its `algorithm`
// metric, DEFLATE when there is none: Sparkplug 3.0 section 6.4.2 and the Tahu clients) is
// inflated, at most 16 MiB, and decoded again.
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import sparkplugPayload from 'sparkplug-payload';
import proto from 'sparkplug-payload/lib/sparkplugPayloadProto.js';
import type {
  SparkplugCell,
  SparkplugCodec,
  SparkplugDataSet,
  SparkplugDecode,
  SparkplugMetric,
} from '../../ports/sparkplug-codec.js';

const codec = sparkplugPayload.get('spBv1.0')!;
const Payload = proto.org.eclipse.tahu.protobuf.Payload;
type PMetric = InstanceType<typeof Payload.Metric>;
type PDataSet = NonNullable<PMetric['datasetValue']>;
type PTemplate = NonNullable<PMetric['templateValue']>;

/** Sparkplug B datatype codes (sparkplug_b.proto `DataType`) 0..21 by name. */
const TYPE_NAMES = [
  'Unknown', 'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double',
  'Boolean', 'String', 'DateTime', 'Text', 'UUID', 'DataSet', 'Bytes', 'File', 'Template', 'PropertySet',
  'PropertySetList',
] as const; // prettier-ignore
const typeName = (code: number): string => TYPE_NAMES[code] ?? `Unknown(${code})`;

interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned?: boolean;
}
const isLong = (v: unknown): v is LongLike => typeof v === 'object' && v !== null && 'low' in v && 'high' in v;

/** A protobuf integer (number or Long) as a bigint, read signed or unsigned as its datatype says. */
function big(v: number | LongLike, signed: boolean): bigint {
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  const b = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return signed ? BigInt.asIntN(64, b) : b;
}

const TWO_32 = 4294967296;
/** A 64-bit integer as a number while it is a safe integer (|x| < 2^53), else undefined; no BigInt on the way. */
function long(v: number | LongLike, signed: boolean): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  const high = v.high | 0;
  const low = v.low >>> 0;
  // high as a signed 32-bit word: 0 <= high < 2^21 is below 2^53 either way; a negative high is a
  // negative number when signed (safe from -2^53 on) and at least 2^63 when unsigned.
  if (high >= 0 && high < 0x200000) return high * TWO_32 + low;
  if (signed && high < 0 && high >= -0x200000) {
    const x = high * TWO_32 + low;
    return x >= Number.MIN_SAFE_INTEGER ? x : undefined;
  }
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (isLong(v)) return long(v, v.unsigned !== true);
  return undefined;
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The fields of a value oneof (Metric and DataSetValue share these). */
interface ValueFields {
  readonly value?: string;
  readonly intValue?: number | null;
  readonly longValue?: number | LongLike | null;
  readonly floatValue?: number | null;
  readonly doubleValue?: number | null;
  readonly booleanValue?: boolean | null;
  readonly stringValue?: string | null;
}

/**
 * The value of a scalar of datatype `code` (Int8..UInt64, Float, Double, Boolean, String,
 * DateTime, Text, UUID): null when no field is set, `{unsupported}` (what was found) when the set
 * field does not fit the type or an integer is beyond 2^53. Signed integers up to 32 bits come
 * in the uint32 `int_value` as two's complement (as the Tahu encoders write them), Int64 in `long_value`.
 */
function scalar(code: number, f: ValueFields): SparkplugCell {
  const field = f.value;
  if (field === undefined) return null;
  const mismatch = (): SparkplugCell => ({
    unsupported: `a ${field.replace('Value', '_value')}, which is not where ${typeName(code)} values go`,
  });
  if (code >= 1 && code <= 8) {
    const signed = code <= 4;
    const raw = field === 'intValue' ? f.intValue : field === 'longValue' ? f.longValue : undefined;
    if (raw === undefined || raw === null) return mismatch();
    if (field === 'intValue') return signed ? (raw as number) | 0 : (raw as number) >>> 0;
    return long(raw, signed) ?? { unsupported: `the integer ${big(raw, signed)} (beyond 2^53)` };
  }
  if (code === 13) {
    if (field !== 'longValue' || f.longValue === undefined || f.longValue === null) return mismatch();
    return long(f.longValue, false) ?? { unsupported: `the integer ${big(f.longValue, false)} (beyond 2^53)` };
  }
  if (code === 9 || code === 10) {
    const v = field === 'floatValue' ? f.floatValue : field === 'doubleValue' ? f.doubleValue : undefined;
    return typeof v === 'number' ? v : mismatch();
  }
  if (code === 11) return field === 'booleanValue' && typeof f.booleanValue === 'boolean' ? f.booleanValue : mismatch();
  if (code === 12 || code === 14 || code === 15)
    return field === 'stringValue' && typeof f.stringValue === 'string' ? f.stringValue : mismatch();
  return { unsupported: `a value of type ${typeName(code)}` };
}

/** The column types a DataSet cell may have (the basic types of the Sparkplug data types, codes 1..14). */
const CELL_TYPES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);

function datasetOf(d: PDataSet): SparkplugDataSet {
  const codes = (d.types ?? []).map(Number);
  const rows = (d.rows ?? []).map((row) =>
    (row.elements ?? []).map((cell, i): SparkplugCell => {
      const code = codes[i];
      if (code === undefined) return { unsupported: 'a cell beyond the columns' };
      if (!CELL_TYPES.has(code)) return { unsupported: `a cell of a ${typeName(code)} column` };
      return scalar(code, cell);
    }),
  );
  return {
    numOfColumns: own(d, 'numOfColumns') ? num(d.numOfColumns) : undefined,
    columns: [...(d.columns ?? [])],
    types: codes.map(typeName),
    rows,
  };
}

function metricOf(m: PMetric): SparkplugMetric {
  const base = {
    name: own(m, 'name') ? m.name : undefined,
    alias: own(m, 'alias') ? num(m.alias) : undefined,
    timestampMs: own(m, 'timestamp') ? num(m.timestamp) : undefined,
    type: typeName(m.datatype),
    isHistorical: m.isHistorical === true,
  };
  if (m.isNull === true) return { ...base, value: null };
  if (m.datatype === 19 && m.templateValue !== null && m.templateValue !== undefined) {
    const t: PTemplate = m.templateValue;
    return {
      ...base,
      value: undefined,
      members: (t.metrics ?? []).map((x) => metricOf(x as PMetric)),
      isDefinition: t.isDefinition === true,
    };
  }
  if (m.datatype === 16 && m.datasetValue !== null && m.datasetValue !== undefined)
    return { ...base, value: undefined, dataset: datasetOf(m.datasetValue) };
  const v = scalar(m.datatype, m);
  return { ...base, value: v !== null && typeof v === 'object' ? undefined : v };
}

export const COMPRESSED_UUID = 'SPBV1.0_COMPRESSED';
/** The most a compressed payload may inflate to (a guard against a decompression bomb). */
export const MAX_INFLATED_BYTES = 16 << 20;

function inflate(body: Uint8Array, algorithm: string): Buffer {
  const opts = { maxOutputLength: MAX_INFLATED_BYTES };
  if (algorithm === 'GZIP') return gunzipSync(body, opts);
  // DEFLATE: zlib-wrapped as the Tahu clients (pako.deflate) write it; a raw stream is accepted too.
  try {
    return inflateSync(body, opts);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
    return inflateRawSync(body, opts);
  }
}

export function createSparkplugCodec(): SparkplugCodec {
  const decode = (bytes: Buffer, depth: number): SparkplugDecode => {
    let p: InstanceType<typeof Payload>;
    try {
      p = Payload.decode(bytes);
    } catch (err) {
      return { ok: false, detail: `expected a Sparkplug B protobuf payload, found: ${(err as Error).message}` };
    }
    if (p.uuid === COMPRESSED_UUID) {
      const algo = p.metrics?.find((m) => m.name === 'algorithm') as PMetric | undefined;
      const named: unknown = algo?.value === 'stringValue' ? algo.stringValue : undefined;
      const algorithm = typeof named === 'string' ? named.toUpperCase() : 'DEFLATE';
      if (algorithm !== 'DEFLATE' && algorithm !== 'GZIP')
        return {
          ok: false,
          detail: `compressed payload: expected algorithm DEFLATE or GZIP, found '${String(named)}'`,
        };
      if (depth > 0)
        return { ok: false, detail: 'compressed payload: expected a payload inside, found another compressed one' };
      let inner: Buffer;
      try {
        inner = inflate(p.body ?? new Uint8Array(), algorithm);
      } catch (err) {
        const e = err as { code?: string; message: string };
        return {
          ok: false,
          detail:
            e.code === 'ERR_BUFFER_TOO_LARGE'
              ? `compressed payload (${algorithm}): expected at most ${MAX_INFLATED_BYTES} bytes inflated, found more`
              : `compressed payload (${algorithm}): expected a ${algorithm} body, found: ${e.message}`,
        };
      }
      const d = decode(inner, depth + 1);
      return d.ok ? d : { ok: false, detail: `compressed payload (${algorithm}), inflated: ${d.detail}` };
    }
    const metrics = (p.metrics ?? []).map((m) => metricOf(m as PMetric));
    const timestampMs = own(p, 'timestamp') ? num(p.timestamp) : undefined;
    return { ok: true, payload: { timestampMs, seq: own(p, 'seq') ? num(p.seq) : undefined, metrics } };
  };
  return {
    decode: (bytes: Buffer): SparkplugDecode => decode(bytes, 0),
    rebirthRequest(atMs: number): Buffer {
      return Buffer.from(
        codec.encodePayload({
          timestamp: atMs,
          metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true, timestamp: atMs }],
        }),
      );
    },
  };
}
