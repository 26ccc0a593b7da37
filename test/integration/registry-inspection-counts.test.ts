// The inspection counts of the summaries (docs/semantics.md section 9.3) are a BACKWARD evolution
// of the shipped WindowSummary and OrderSummary on the real registry: it accepts the shipped schema
// after the one without them, and a record written before them decodes with 0 inspections.
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
const ADDED = ['inspectionsPassed', 'inspectionsFailed'];

const previous = (text: string): avsc.Schema => schemaWithout(JSON.parse(text), { fields: ADDED }) as avsc.Schema;

describe('registry: inspection counts in the summaries are BACKWARD compatible', () => {
  for (const name of ['WindowSummary', 'OrderSummary'] as SchemaName[]) {
    it(`${name}: accepted after the old schema; an old record reads 0 inspections`, async () => {
      const shipped = loadSchema(name);
      const old = previous(shipped.text);
      const oldType = avsc.Type.forSchema(old);
      expect((oldType as avsc.types.RecordType).fields.length + 2).toBe(
        (shipped.type as avsc.types.RecordType).fields.length,
      );
      const subject = `${uniqueName('inspections')}-value`;
      const id1 = await registry.register(subject, JSON.stringify(old));
      const id2 = await registry.register(subject, shipped.text);
      expect(id2).not.toBe(id1);
      // A record of the old schema: the new one's sample value without the two fields.
      const sample = shipped.type.random() as unknown as Record<string, unknown>;
      const oldRecord = Object.fromEntries(Object.entries(sample).filter(([k]) => !ADDED.includes(k)));
      const bytes = createAvroEncoder(oldType, id1).encode(oldRecord);
      const decoded = await createAvroDecoder(shipped.type, registry).decodeOne(bytes);
      expect(decoded.ok).toBe(true);
      const value = (decoded as { value: Record<string, unknown> }).value;
      expect(value['inspectionsPassed']).toBe(0);
      expect(value['inspectionsFailed']).toBe(0);
      expect(value['workCenterId']).toBe(oldRecord['workCenterId']);
    });
  }
});
