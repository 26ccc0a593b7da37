// SparkplugCodec on sparkplug-payload (the Eclipse Tahu protobuf codec). 64-bit integers (Long)
// become numbers when they are safe integers; a larger one is decoded as undefined (cannot be
// carried exactly), and so is a DataSet, Template, PropertySet, Bytes or File value.
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

export function createSparkplugCodec(): SparkplugCodec {
  return {
    decode(bytes: Buffer): SparkplugDecode {
      let p: ReturnType<typeof codec.decodePayload>;
      try {
        p = codec.decodePayload(bytes);
      } catch (err) {
        return { ok: false, detail: `expected a Sparkplug B protobuf payload, found: ${(err as Error).message}` };
      }
      const metrics: SparkplugMetric[] = [];
      for (const m of p.metrics ?? [])
        metrics.push({
          name: m.name ?? undefined,
          alias: num(m.alias),
          timestampMs: num(m.timestamp),
          type: m.type,
          value: value(m.value),
          isHistorical: m.isHistorical === true,
        });
      return { ok: true, payload: { timestampMs: num(p.timestamp), seq: num(p.seq), metrics } };
    },
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
