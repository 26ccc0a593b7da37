// The inspection fields (issue 15 section 3) are a BACKWARD evolution of the shipped Milestone,
// MachineEvent and Late schemas on the real registry: the registry accepts the shipped schema after
// the one before it, and records written with the old schema decode with the new reader (no
// inspection, the old kinds unchanged); a new record round-trips its inspection. (`material`, a
// later field, reads as its default.)
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  createAvroDecoder,
  createAvroEncoder,
  createRegistryClient,
  loadSchema,
  type SchemaName,
} from '../../src/io/avro/index.js';
import { integrationEnv, uniqueName } from './support/env.js';
import { schemaWithout } from './support/schema-before.js';

const env = integrationEnv();
const registry = createRegistryClient({ url: env.registryUrl, timeoutMs: 5_000 });
const NEW_KINDS = ['inspection_passed', 'quality_hold', 'quality_release'];

/** The schema as it was before: no `inspection` field, no new milestone kinds (anywhere nested). */
const previous = (node: unknown): unknown =>
  schemaWithout(node, { fields: ['inspection'], symbols: { MilestoneKind: NEW_KINDS } });

describe('registry: the inspection fields are BACKWARD compatible', () => {
  for (const name of ['Milestone', 'MachineEvent', 'Late'] as SchemaName[]) {
    it(`${name}: the registry accepts the new schema after the old one`, async () => {
      const shipped = loadSchema(name);
      const old = previous(JSON.parse(shipped.text));
      expect(JSON.stringify(old)).not.toBe(JSON.stringify(JSON.parse(shipped.text)));
      const subject = `${uniqueName('inspection')}-value`;
      const id1 = await registry.register(subject, JSON.stringify(old));
      const id2 = await registry.register(subject, shipped.text);
      expect(id2).not.toBe(id1);
      expect((await registry.latest(subject))?.version).toBe(2);
    });
  }

  it('Milestone: an old record decodes with the new reader; a new one keeps its inspection', async () => {
    const shipped = loadSchema('Milestone');
    const subject = `${uniqueName('inspection')}-value`;
    const oldSchema = previous(JSON.parse(shipped.text)) as avsc.Schema;
    const id1 = await registry.register(subject, JSON.stringify(oldSchema));
    const id2 = await registry.register(subject, shipped.text);
    const record = {
      plantId: 'p',
      machineId: 'm',
      workCenterId: 'w',
      kind: 'inspection_failed',
      tsMs: 1_700_000_000_000,
      tag: 'QC',
      reason: null,
      orderRef: 'WH/MO/00001',
      quantity: null,
    };
    const oldBytes = createAvroEncoder(avsc.Type.forSchema(oldSchema), id1).encode(record);
    const decoder = createAvroDecoder(shipped.type, registry);
    expect(await decoder.decodeOne(oldBytes)).toEqual({
      ok: true,
      value: { ...record, inspection: null, material: null },
      schemaId: id1,
    });
    const inspection = { test: 'bore', measure: 12.1, unit: 'mm', limitLow: 11.95, limitHigh: 12.05, lot: null };
    const newBytes = createAvroEncoder(shipped.type, id2).encode({ ...record, kind: 'quality_hold', inspection });
    expect(await decoder.decodeOne(newBytes)).toEqual({
      ok: true,
      value: { ...record, kind: 'quality_hold', inspection, material: null },
      schemaId: id2,
    });
  });
});
