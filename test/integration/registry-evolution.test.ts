// BACKWARD evolution against the real registry: a compatible change is accepted and old records
// decode with the new reader schema; an incompatible change is refused with a clear error.
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { SchemaError } from '../../src/errors.js';
import { createAvroDecoder, createAvroEncoder, createRegistryClient } from '../../src/io/avro/index.js';
import { integrationEnv, uniqueName } from './support/env.js';

const env = integrationEnv();
const registry = createRegistryClient({ url: env.registryUrl, timeoutMs: 5_000 });

const v1 = {
  type: 'record',
  name: 'Probe',
  namespace: 'io.shiftstream.test',
  fields: [
    { name: 'tag', type: 'string' },
    { name: 'tsMs', type: 'long' },
  ],
};
const v2 = { ...v1, fields: [...v1.fields, { name: 'site', type: 'string', default: 'plant-a' }] };
const incompatible = { ...v1, fields: [...v1.fields, { name: 'line', type: 'string' }] };

describe('registry: BACKWARD evolution', () => {
  it('accepts a field added with a default and reads v1 records with the v2 reader', async () => {
    const subject = `${uniqueName('evolve')}-value`;
    const id1 = await registry.register(subject, JSON.stringify(v1));
    const id2 = await registry.register(subject, JSON.stringify(v2));
    expect(id2).not.toBe(id1);
    expect((await registry.latest(subject))?.version).toBe(2);
    // Registering the same schema again returns the same id.
    expect(await registry.register(subject, JSON.stringify(v2))).toBe(id2);

    const oldRecord = createAvroEncoder(avsc.Type.forSchema(v1 as avsc.Schema), id1).encode({ tag: 't', tsMs: 5 });
    const decoder = createAvroDecoder(avsc.Type.forSchema(v2 as avsc.Schema), registry);
    expect(await decoder.decodeOne(oldRecord)).toEqual({
      ok: true,
      value: { tag: 't', tsMs: 5, site: 'plant-a' },
      schemaId: id1,
    });
  });

  it('refuses a field added without a default, naming the subject', async () => {
    const subject = `${uniqueName('evolve')}-value`;
    await registry.register(subject, JSON.stringify(v1));
    const err = await registry.register(subject, JSON.stringify(incompatible)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SchemaError);
    expect((err as SchemaError).code).toBe('SHIFTSTREAM_SCHEMA_INCOMPATIBLE');
    expect((err as SchemaError).message).toContain(`subject '${subject}' refused the schema`);
    expect((await registry.latest(subject))?.version).toBe(1);
  });

  it('answers unknown-schema-id for an id the registry never assigned', async () => {
    const decoder = createAvroDecoder(avsc.Type.forSchema(v1 as avsc.Schema), registry);
    const r = await decoder.decodeOne(Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 0x61, 0]));
    expect(r).toEqual({
      ok: false,
      reason: 'unknown-schema-id',
      schemaId: 0x7ffffff0,
      detail: `the registry has no schema with id ${0x7ffffff0}`,
    });
  });
});
