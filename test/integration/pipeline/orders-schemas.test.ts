// Order tagging's schema changes on the real registry (BACKWARD enforced): each shipped schema is
// accepted as the next version of a subject holding the schema before order tagging, and records
// written with the old one decode with the shipped one, the new fields null.
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  createAvroDecoder,
  createAvroEncoder,
  createRegistryClient,
  loadSchema,
  type SchemaName,
} from '../../../src/io/avro/index.js';
import { integrationEnv, uniqueName } from '../support/env.js';

const env = integrationEnv();
const registry = createRegistryClient({ url: env.registryUrl, timeoutMs: 10_000 });

interface RecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly fields: { readonly name: string; readonly type: unknown; readonly default?: unknown }[];
}

/** The shipped schema without the fields order tagging appended (the schema before it). */
function before(name: SchemaName): { schema: RecordSchema; added: string[] } {
  const schema = JSON.parse(loadSchema(name).text) as RecordSchema;
  const drop = (r: RecordSchema, names: string[]): RecordSchema => {
    // Fields added since (e.g. `inspection`) are dropped too: the schema before all of them.
    for (const n of names) expect(r.fields.map((f) => f.name)).toContain(n);
    return { ...r, fields: r.fields.filter((f) => !names.includes(f.name)) };
  };
  switch (name) {
    case 'MachineEvent':
      return {
        schema: drop(schema, ['runningOrder', 'runningWorkOrderId', 'inspection']),
        added: ['runningOrder', 'runningWorkOrderId', 'inspection'],
      };
    case 'WindowSummary':
      return { schema: drop(schema, ['orders']), added: ['orders'] };
    case 'Late': {
      const event = schema.fields[0]!;
      expect(event.name).toBe('event');
      const fields = [
        { ...event, type: drop(event.type as RecordSchema, ['runningOrder', 'runningWorkOrderId', 'inspection']) },
        ...schema.fields.slice(1),
      ];
      return { schema: { ...schema, fields }, added: [] };
    }
    default:
      throw new Error(`no order-tagging change in ${name}`);
  }
}

describe('order tagging schemas on the registry (BACKWARD)', () => {
  for (const name of ['MachineEvent', 'WindowSummary', 'Late'] as const) {
    it(`${name}: the shipped schema is a compatible next version; old records decode with it`, async () => {
      const subject = `${uniqueName(`orders-${name.toLowerCase()}`)}-value`;
      const old = before(name);
      const oldId = await registry.register(subject, JSON.stringify(old.schema));
      const newId = await registry.register(subject, loadSchema(name).text);
      expect(newId).not.toBe(oldId);
      expect((await registry.latest(subject))?.version).toBe(2);

      const oldType = avsc.Type.forSchema(old.schema as avsc.Schema);
      const record = oldType.random() as unknown as Record<string, unknown>;
      const decoded = await createAvroDecoder(loadSchema(name).type, registry).decodeOne(
        createAvroEncoder(oldType, oldId).encode(record),
      );
      expect(decoded.ok).toBe(true);
      const value = (decoded as { value: Record<string, unknown> }).value;
      for (const f of old.added) expect(value[f], f).toBeNull();
      if (name === 'Late') {
        const event = value['event'] as Record<string, unknown>;
        expect(event['runningOrder']).toBeNull();
        expect(event['runningWorkOrderId']).toBeNull();
      }
    });
  }
});
