// The stand-in's reading of the facts: every versioned or compound entry of models.json (the copy
// of the shared facts) has a decision in schema-facts.ts, so a new fact cannot be silently
// ignored, and the per-version schema holds what the facts say.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { factModels, loadSchema } from '../../../../src/testkit/odoo-standin/schema.js';
import { EXPANSIONS, FIELD_VERSIONS } from '../../../../src/testkit/odoo-standin/schema-facts.js';

const LOCAL = 'src/testkit/odoo-standin/models.json';

interface RawModel {
  fields?: { name: string; versions?: string }[];
  related_models?: Record<string, RawModel>;
}

function rawEntries(): { model: string; name: string; versions?: string }[] {
  const json = JSON.parse(readFileSync(LOCAL, 'utf8')) as { models: Record<string, RawModel> };
  const out: { model: string; name: string; versions?: string }[] = [];
  const walk = (name: string, m: RawModel): void => {
    for (const f of m.fields ?? [])
      out.push({
        model: name.replace(/ \(addendum[^)]*\)$/, ''),
        name: f.name,
        ...(f.versions === undefined ? {} : { versions: f.versions }),
      });
    for (const [k, v] of Object.entries(m.related_models ?? {})) walk(k, v);
  };
  for (const [k, v] of Object.entries(json.models)) walk(k, v);
  return out;
}

describe('stand-in schema from the facts', () => {
  it('every entry with a versions sentence has a decision; every compound entry an expansion', () => {
    const entries = rawEntries();
    const versioned = entries.filter((e) => e.versions !== undefined && !e.name.includes(' '));
    const undecided = versioned.filter((e) => FIELD_VERSIONS[`${e.model}.${e.name}`] === undefined);
    // Sentences about editions are decided by the module tag, not by a version list.
    expect(
      undecided.filter((e) => !/^ee1/.test(e.versions ?? '')).map((e) => `${e.model}.${e.name}: ${e.versions}`),
    ).toEqual([]);
    const compound = entries.filter((e) => !/^[a-z_][a-z0-9_]*$/.test(e.name));
    expect(
      compound.filter((e) => EXPANSIONS[`${e.model}|${e.name}`] === undefined).map((e) => `${e.model}|${e.name}`),
    ).toEqual([]);
    // And no decision points at a field the facts do not have.
    const known = new Set([
      ...entries.map((e) => `${e.model}.${e.name}`),
      ...Object.entries(EXPANSIONS).flatMap(([k, fs]) => fs.map((f) => `${k.split('|')[0]}.${f.name}`)),
    ]);
    expect(Object.keys(FIELD_VERSIONS).filter((k) => !known.has(k))).toEqual([]);
    expect(factModels().size).toBeGreaterThan(15);
  });

  it('per-version fields, selections, required flags and relations follow the facts', () => {
    const [v17, v18, v19] = [loadSchema(17), loadSchema(18), loadSchema(19)];
    const has = (s: typeof v17, model: string, field: string): boolean => s.get(model)?.fields.has(field) ?? false;
    expect([17, 18, 19].map((v) => has(loadSchema(v as 17), 'stock.move', 'name'))).toEqual([true, true, false]);
    expect([has(v17, 'mrp.production', 'lot_producing_id'), has(v19, 'mrp.production', 'lot_producing_ids')]).toEqual([
      true,
      true,
    ]);
    expect([has(v18, 'mrp.production', 'lot_producing_ids'), has(v19, 'mrp.production', 'lot_producing_id')]).toEqual([
      false,
      false,
    ]);
    expect([has(v18, 'maintenance.request', 'schedule_end'), has(v19, 'maintenance.request', 'schedule_end')]).toEqual([
      false,
      true,
    ]);
    expect(v17.get('stock.lot')?.fields.get('company_id')?.required).toBe(true);
    expect(v18.get('stock.lot')?.fields.get('company_id')?.required).toBe(false);
    expect(
      v19
        .get('stock.move')
        ?.fields.get('state')
        ?.selectionPairs?.find((p) => p[0] === 'confirmed')?.[1],
    ).toBe('Waiting');
    expect(
      v17
        .get('stock.move')
        ?.fields.get('state')
        ?.selectionPairs?.find((p) => p[0] === 'confirmed')?.[1],
    ).toBe('Waiting Availability');
    expect(v17.get('stock.quant')?.fields.get('package_id')?.relation).toBe('stock.quant.package');
    expect(v19.get('stock.quant')?.fields.get('package_id')?.relation).toBe('stock.package');
    expect(has(v19, 'mrp.workcenter', 'default_capacity')).toBe(false);
    // Enterprise models and fields only with the flag.
    expect(v19.has('quality.check')).toBe(false);
    expect(loadSchema(19, 'enterprise').has('quality.check')).toBe(true);
    expect(has(v19, 'maintenance.request', 'workcenter_id')).toBe(false);
    expect(has(loadSchema(17, 'enterprise'), 'maintenance.request', 'workcenter_id')).toBe(true);
    // stock.immediate.transfer is a fact ("16.0 and earlier only") but not a model of 17-19.
    expect([17, 18, 19].some((v) => loadSchema(v as 17).has('stock.immediate.transfer'))).toBe(false);
  });
});
