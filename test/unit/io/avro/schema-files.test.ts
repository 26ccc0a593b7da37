import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { MILESTONE_KINDS, QUALITIES, STATE_CATEGORIES, EVENT_KINDS } from '../../../../src/core/types.js';
import { loadAllSchemas, SCHEMA_FILES } from '../../../../src/io/avro/schema-files.js';

const schemas = loadAllSchemas();
const json = (name: keyof typeof SCHEMA_FILES): { fields: { name: string; type: unknown }[] } =>
  JSON.parse(schemas.get(name)?.text ?? '{}') as { fields: { name: string; type: unknown }[] };

function enumSymbols(type: avsc.Type, field: string): string[] {
  const t = (type as avsc.types.RecordType).field(field)?.type;
  const e = t instanceof avsc.types.UnwrappedUnionType ? t.types.find((x) => x instanceof avsc.types.EnumType) : t;
  if (!(e instanceof avsc.types.EnumType)) throw new Error(`${type.name}.${field}: expected an enum, found ${String(e)}`);
  return e.symbols;
}

describe('schemas/', () => {
  it('has every schema in namespace io.shiftstream', () => {
    for (const s of schemas.values()) expect(s.type.name).toBe(`io.shiftstream.${s.name}`);
  });

  it('keeps enums equal to the core types', () => {
    expect(enumSymbols(schemas.get('RawSample')!.type, 'quality')).toEqual([...QUALITIES]);
    expect(enumSymbols(schemas.get('MachineEvent')!.type, 'category')).toEqual([...STATE_CATEGORIES]);
    expect(enumSymbols(schemas.get('MachineEvent')!.type, 'kind')).toEqual([...EVENT_KINDS]);
    expect(enumSymbols(schemas.get('MachineEvent')!.type, 'milestone')).toEqual([...MILESTONE_KINDS]);
    expect(enumSymbols(schemas.get('Milestone')!.type, 'kind')).toEqual([...MILESTONE_KINDS]);
  });

  it('inlines in Late exactly the MachineEvent schema', () => {
    const inlined = json('Late').fields.find((f) => f.name === 'event')?.type;
    const a = avsc.Type.forSchema(inlined as avsc.Schema).fingerprint('sha256');
    const b = schemas.get('MachineEvent')!.type.fingerprint('sha256');
    expect(a.equals(b)).toBe(true);
  });

  it('defaults RawSample quality to good', () => {
    const v1 = avsc.Type.forSchema({ type: 'record', name: 'io.shiftstream.RawSample', fields: [
      { name: 'tag', type: 'string' }, { name: 'ts', type: 'long' }, { name: 'value', type: ['double', 'string', 'boolean'] },
    ] });
    const reader = schemas.get('RawSample')!.type;
    const decoded = reader.fromBuffer(v1.toBuffer({ tag: 'a', ts: 1, value: 2 }), reader.createResolver(v1)) as { quality: string };
    expect(decoded.quality).toBe('good');
  });

  it('round-trips a WindowSummary shaped like src/core/types.ts', () => {
    const type = schemas.get('WindowSummary')!.type;
    const summary = {
      plantId: 'plant-a', workCenterId: 'WC1', windowKind: 'shift', windowName: 'shift', windowId: '2026-03-28/night',
      shiftName: 'night', startMs: 1_774_728_000_000, endMs: 1_774_753_200_000, startLocal: '2026-03-28T22:00:00+01:00',
      endLocal: '2026-03-29T06:00:00+02:00', revision: 1, final: true, lengthMs: 25_200_000, plannedMs: 25_200_000,
      runtimeMs: 20_000_000, downtimeMs: 5_200_000, downtimeByReason: { jam: 5_200_000 },
      timeByCategory: { running: 20_000_000, idle: 0, setup: 0, planned_stop: 0, down: 5_200_000, unknown: 0 },
      goodCount: 100, scrapCount: 2, counts: { good: 100, scrap: 2 }, stateChanges: 3, firstEventMs: 1_774_728_000_000,
      lastEventMs: null, samplesApplied: 10, lateSamples: 0, idealCycleTimeMs: null, availability: 0.79, performance: null,
      quality: null, oee: null, intervals: [{ startMs: 1, endMs: 2, category: 'down', reason: 'jam' }],
    };
    expect(type.fromBuffer(type.toBuffer(summary))).toEqual(summary);
  });
});
