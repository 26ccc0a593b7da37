import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { SchemaError } from '../../../../src/errors.js';
import type { SchemaSource } from '../../../../src/io/avro/registry-client.js';
import { loadSchema } from '../../../../src/io/avro/schema-files.js';
import { createAvroDecoder, createAvroEncoder } from '../../../../src/io/avro/serde.js';
import { frameWire } from '../../../../src/io/avro/wire-format.js';

const raw = loadSchema('RawSample');

/** An in-memory registry that counts fetches. */
function memorySource(schemas: Record<number, string>): SchemaSource & { fetches: number[] } {
  const fetches: number[] = [];
  return {
    fetches,
    async fetchSchema(id) {
      fetches.push(id);
      return schemas[id];
    },
  };
}

const sample = { tag: 'PLANT_A.PRESS_03.STATE', ts: 1_774_745_998_120, value: 'RUN', quality: 'good' };

describe('avro serde', () => {
  it('encodes in wire format and decodes back, fetching the writer schema once', async () => {
    const source = memorySource({ 7: raw.text });
    const encoder = createAvroEncoder(raw.type, 7);
    const decoder = createAvroDecoder(raw.type, source);
    const a = encoder.encode(sample);
    const b = encoder.encode({ ...sample, value: 42.5, quality: 'uncertain' });
    expect(a.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, 7]));
    expect(a.subarray(5)).toEqual(raw.type.toBuffer(sample));
    await decoder.prepare([a, b]);
    await decoder.prepare([a, b]);
    expect(decoder.decode(a)).toEqual({ ok: true, value: sample, schemaId: 7 });
    expect(decoder.decode(b)).toEqual({
      ok: true,
      value: { ...sample, value: 42.5, quality: 'uncertain' },
      schemaId: 7,
    });
    expect(source.fetches).toEqual([7]);
  });

  it('grows its scratch buffer for large values', () => {
    const encoder = createAvroEncoder(raw.type, 1);
    const big = { ...sample, tag: 'x'.repeat(10_000) };
    const out = encoder.encode(big);
    expect(raw.type.fromBuffer(out.subarray(5))).toEqual(big);
    expect(encoder.encode(sample).length).toBe(5 + raw.type.toBuffer(sample).length);
  });

  it('resolves an older writer schema against the reader (defaults fill new fields)', async () => {
    const v1 = {
      type: 'record',
      name: 'RawSample',
      namespace: 'io.shiftstream',
      fields: [
        { name: 'tag', type: 'string' },
        { name: 'ts', type: 'long' },
        { name: 'value', type: ['double', 'string', 'boolean'] },
      ],
    };
    const writer = avsc.Type.forSchema(v1 as avsc.Schema);
    const decoder = createAvroDecoder(raw.type, memorySource({ 3: JSON.stringify(v1) }));
    const buf = frameWire(3, writer.toBuffer({ tag: 't', ts: 5, value: true }));
    expect(await decoder.decodeOne(buf)).toEqual({
      ok: true,
      value: { tag: 't', ts: 5, value: true, quality: 'good' },
      schemaId: 3,
    });
  });

  it('returns malformed-avro for a bad magic byte, a truncated body and trailing bytes', async () => {
    const decoder = createAvroDecoder(raw.type, memorySource({ 7: raw.text }));
    const good = createAvroEncoder(raw.type, 7).encode(sample);
    const notWire = await decoder.decodeOne(Buffer.from('{"tag":1}'));
    expect(notWire).toMatchObject({ ok: false, reason: 'malformed-avro', schemaId: null });
    const truncated = await decoder.decodeOne(good.subarray(0, good.length - 3));
    expect(truncated).toMatchObject({ ok: false, reason: 'malformed-avro', schemaId: 7 });
    expect(!truncated.ok && truncated.detail).toContain('truncated');
    const trailing = await decoder.decodeOne(Buffer.concat([good, Buffer.from([1, 2])]));
    expect(trailing).toMatchObject({ ok: false, reason: 'malformed-avro', schemaId: 7 });
    const badUnion = frameWire(7, Buffer.from([2, 0x61, 0x00, 0x0e]));
    expect(await decoder.decodeOne(badUnion)).toMatchObject({ ok: false, reason: 'malformed-avro' });
  });

  it('returns unknown-schema-id when the registry does not know the id, and when not prepared', async () => {
    const source = memorySource({});
    const decoder = createAvroDecoder(raw.type, source);
    const buf = createAvroEncoder(raw.type, 99).encode(sample);
    expect(decoder.decode(buf)).toMatchObject({
      ok: false,
      reason: 'unknown-schema-id',
      schemaId: 99,
      detail: 'schema id 99 was not prepared',
    });
    const r = await decoder.decodeOne(buf);
    expect(r).toEqual({
      ok: false,
      reason: 'unknown-schema-id',
      schemaId: 99,
      detail: 'the registry has no schema with id 99',
    });
    await decoder.decodeOne(buf);
    expect(source.fetches).toEqual([99]);
  });

  it('returns unknown-schema-id when the writer schema cannot be resolved to the reader', async () => {
    const other = {
      type: 'record',
      name: 'RawSample',
      namespace: 'io.shiftstream',
      fields: [{ name: 'tag', type: 'int' }],
    };
    const decoder = createAvroDecoder(raw.type, memorySource({ 4: JSON.stringify(other) }));
    const buf = frameWire(4, avsc.Type.forSchema(other as avsc.Schema).toBuffer({ tag: 1 }));
    const r = await decoder.decodeOne(buf);
    expect(r).toMatchObject({ ok: false, reason: 'unknown-schema-id', schemaId: 4 });
    expect(!r.ok && r.detail).toContain('cannot be read as io.shiftstream.RawSample');
  });

  it('lets registry outages throw (retryable), not turn them into dead letters', async () => {
    const failing: SchemaSource = {
      fetchSchema: async () => {
        throw new SchemaError('SHIFTSTREAM_SCHEMA_REGISTRY', 'down');
      },
    };
    const decoder = createAvroDecoder(raw.type, failing);
    await expect(decoder.prepare([frameWire(1, Buffer.alloc(0))])).rejects.toMatchObject({
      code: 'SHIFTSTREAM_SCHEMA_REGISTRY',
      retryable: true,
    });
  });

  it('refuses to encode an invalid value with the path of the problem', () => {
    const encoder = createAvroEncoder(raw.type, 1);
    expect(() => encoder.encode({ ...sample, quality: 'excellent' })).toThrow(/quality = "excellent"/);
  });
});
