// The material events (issue 14, docs/semantics.md section 13) are a BACKWARD evolution of the
// shipped Milestone, MachineEvent and Late schemas on the real registry: the registry (BACKWARD,
// its default) accepts the shipped schema after the one before it, an old record decodes with the
// new reader (no material), and a new record round-trips its material facts through the codecs.
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
const NEW_KINDS = ['lot_produced', 'inventory_move'];

/** The schema as it was before: no `material` field, no new milestone kinds (anywhere nested). */
const previous = (node: unknown): unknown =>
  schemaWithout(node, { fields: ['material'], symbols: { MilestoneKind: NEW_KINDS } });

describe('registry: the material events are BACKWARD compatible', () => {
  for (const name of ['Milestone', 'MachineEvent', 'Late'] as SchemaName[]) {
    it(`${name}: the registry accepts the new schema after the old one`, async () => {
      const shipped = loadSchema(name);
      const old = previous(JSON.parse(shipped.text));
      expect(JSON.stringify(old)).not.toBe(JSON.stringify(JSON.parse(shipped.text)));
      const subject = `${uniqueName('material')}-value`;
      const id1 = await registry.register(subject, JSON.stringify(old));
      const id2 = await registry.register(subject, shipped.text);
      expect(id2).not.toBe(id1);
      expect((await registry.latest(subject))?.version).toBe(2);
    });
  }

  it('the registry refuses the reverse (a reader without the new kinds cannot read new records)', async () => {
    const shipped = loadSchema('Milestone');
    const subject = `${uniqueName('material')}-value`;
    await registry.register(subject, shipped.text);
    await expect(registry.register(subject, JSON.stringify(previous(JSON.parse(shipped.text))))).rejects.toThrow(
      /incompatible|409/i,
    );
  });

  it('Milestone: an old record decodes with the new reader; a new one keeps its material', async () => {
    const shipped = loadSchema('Milestone');
    const subject = `${uniqueName('material')}-value`;
    const oldSchema = previous(JSON.parse(shipped.text)) as avsc.Schema;
    const id1 = await registry.register(subject, JSON.stringify(oldSchema));
    const id2 = await registry.register(subject, shipped.text);
    const record = {
      plantId: 'p',
      machineId: 'blank-01',
      workCenterId: 'w',
      kind: 'lot_consumed',
      tsMs: 1_700_000_000_000,
      tag: 'COIL_LOT',
      reason: null,
      orderRef: 'WH/MO/00001',
      quantity: 1,
      inspection: null,
    };
    const oldBytes = createAvroEncoder(avsc.Type.forSchema(oldSchema), id1).encode(record);
    const decoder = createAvroDecoder(shipped.type, registry);
    expect(await decoder.decodeOne(oldBytes)).toEqual({
      ok: true,
      value: { ...record, material: null },
      schemaId: id1,
    });
    const material = {
      lot: 'C-1',
      product: 'COIL-DC04',
      unit: 'Units',
      fromLocation: 'COIL-STORE',
      toLocation: 'PRESS-LINE',
      package: 'PK-9',
      deviceId: 'scanner-7',
      reference: 'wms-1',
    };
    const newBytes = createAvroEncoder(shipped.type, id2).encode({ ...record, kind: 'inventory_move', material });
    expect(await decoder.decodeOne(newBytes)).toEqual({
      ok: true,
      value: { ...record, kind: 'inventory_move', material },
      schemaId: id2,
    });
  });
});
