// SparkplugCodec on sparkplug-payload (the Eclipse Tahu protobuf codec). 64-bit integers (Long)
// become numbers when they are safe integers; a larger one is decoded as undefined (cannot be
// carried exactly), and so is a DataSet, PropertySet, Bytes or File value. A Template value keeps
// its member metrics (`members`). A compressed payload (uuid `SPBV1.0_COMPRESSED`, its body
// DEFLATE or GZIP as named by its `algorithm` metric, DEFLATE when there is none: Sparkplug 3.0
// section 6.4.2 and the Tahu clients) is inflated, at most 16 MiB, and decoded again.
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import sparkplugPayload from 'sparkplug-payload';
import type { SparkplugCodec, SparkplugDecode, SparkplugMetric } from '../../ports/sparkplug-codec.js';

const codec = sparkplugPayload.get('spBv1.0')!;

interface LongLike {
  toString(): string;
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && 'low' in v && 'high' in v) {
    const b = BigInt((v as LongLike).toString());
    return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : undefined;
  }
  return undefined;
}

function value(v: unknown): SparkplugMetric['value'] {
  if (v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return num(v);
}

type UMetric = NonNullable<ReturnType<typeof codec.decodePayload>['metrics']>[number];

export const COMPRESSED_UUID = 'SPBV1.0_COMPRESSED';
/** The most a compressed payload may inflate to (a guard against a decompression bomb). */
export const MAX_INFLATED_BYTES = 16 << 20;

function metricOf(m: UMetric): SparkplugMetric {
  const base = {
    name: m.name ?? undefined,
    alias: num(m.alias),
    timestampMs: num(m.timestamp),
    type: m.type,
    isHistorical: m.isHistorical === true,
  };
  if (m.type === 'Template' && m.value !== null && typeof m.value === 'object') {
    const t = m.value as { metrics?: UMetric[]; isDefinition?: boolean };
    return {
      ...base,
      value: undefined,
      members: (t.metrics ?? []).map(metricOf),
      isDefinition: t.isDefinition === true,
    };
  }
  return { ...base, value: value(m.value) };
}

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
    let p: ReturnType<typeof codec.decodePayload>;
    try {
      p = codec.decodePayload(bytes);
    } catch (err) {
      return { ok: false, detail: `expected a Sparkplug B protobuf payload, found: ${(err as Error).message}` };
    }
    if (p.uuid === COMPRESSED_UUID) {
      const named: unknown = p.metrics?.find((m) => m.name === 'algorithm')?.value;
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
    const metrics = (p.metrics ?? []).map(metricOf);
    return { ok: true, payload: { timestampMs: num(p.timestamp), seq: num(p.seq), metrics } };
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
