// The stand-in's model schema for one Odoo version and edition: the models of models.json (a copy
// of /work/shared/odoo/models.json, the facts read from Odoo's source) with their per-version
// fields (schema-facts.ts), plus the models and fields the facts do not describe
// (schema-extra.ts). Each field gets a type, relation, required flag, computed/stored flags,
// readonly (as fields_get reports it), selection and default.
import rawModels from './models.json' with { type: 'json' };
import type { Edition, RawField, Version } from './schema-facts.js';
import {
  EXPANSIONS,
  RELATION_BY_VERSION,
  present,
  versionedDefault,
  versionedRequired,
  versionedSelection,
  withOverrides,
} from './schema-facts.js';
import { OPTIONAL_ADDONS, extraFields, extraModels } from './schema-extra.js';

export type { Edition, Version } from './schema-facts.js';

export type FieldType =
  | 'char'
  | 'text'
  | 'html'
  | 'binary'
  | 'selection'
  | 'boolean'
  | 'integer'
  | 'float'
  | 'many2one'
  | 'one2many'
  | 'many2many'
  | 'datetime'
  | 'date'
  | 'properties'
  | 'reference_int';

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly relation?: string;
  readonly required: boolean;
  readonly computed: boolean;
  /** False for computed fields that are not stored (not writable, not searchable here). */
  readonly stored: boolean;
  readonly related?: string;
  readonly selection?: readonly string[];
  readonly selectionPairs?: readonly (readonly [string, string])[];
  readonly default?: unknown;
  /** As fields_get reports it. */
  readonly readonly: boolean;
  /** A computed field with an inverse (writing it has an effect). */
  readonly inverse: boolean;
  /** one2many: the many2one on the other model that holds the link. */
  readonly relationField?: string;
}

export interface ModelDef {
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldDef>;
  /** Default order of search results. */
  readonly order: string;
  /** Field that gives display_name. */
  readonly recName: string;
  /** Defining module (ir.model `modules`). */
  readonly module: string;
  readonly transient: boolean;
}

/** Models of the first stand-in (kept for callers that list them). */
export const SERVED_MODELS = [
  'mrp.workcenter',
  'mrp.workcenter.productivity',
  'mrp.workcenter.productivity.loss',
  'mrp.workcenter.productivity.loss.type',
  'mrp.production',
  'mrp.workorder',
  'stock.scrap',
  'ir.model.data',
  'res.company',
  'res.users',
  'ir.model',
  'mail.message',
] as const;

const ORDER: Readonly<Record<string, string>> = {
  'mrp.workcenter.productivity': 'id desc',
  'mrp.workcenter.productivity.loss': 'sequence, id',
  'mrp.workcenter': 'sequence, id',
  'stock.scrap': 'id desc',
  'stock.move': 'sequence, id',
  'stock.move.line': 'result_package_id desc, id',
  'stock.picking': 'priority desc, scheduled_date, id desc',
  'stock.lot': 'name, id',
  'maintenance.request': 'id desc',
  'maintenance.stage': 'sequence, id',
  'maintenance.equipment': 'name, id',
};

const REC_NAME: Readonly<Record<string, string>> = {
  'mrp.workcenter.productivity': 'loss_id',
  'mrp.workcenter.productivity.loss.type': 'loss_type',
  'ir.model.data': 'name',
  'stock.move.line': 'product_id',
  'stock.quant': 'product_id',
};

interface RawModel {
  module?: string;
  fields?: RawField[];
  related_models?: Record<string, { fields?: RawField[] }>;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

function expand(model: string, raw: RawField): RawField[] {
  const expanded = EXPANSIONS[`${model}|${raw.name}`];
  if (expanded !== undefined) return [...expanded];
  if (!IDENT.test(raw.name))
    throw new Error(`odoo stand-in: models.json ${model} field "${raw.name}" needs an entry in EXPANSIONS`);
  return [raw];
}

/** The facts' models by technical name: addenda merged, related (wizard) models lifted out. */
export function factModels(): Map<string, RawField[]> {
  const models = (rawModels as unknown as { models: Record<string, RawModel> }).models;
  const out = new Map<string, RawField[]>();
  const add = (name: string, fields: readonly RawField[]): void => {
    const list = out.get(name) ?? [];
    for (const raw of fields)
      for (const fd of expand(name, raw)) {
        const i = list.findIndex((x) => x.name === fd.name);
        if (i >= 0) list[i] = { ...list[i], ...fd };
        else list.push(fd);
      }
    out.set(name, list);
  };
  for (const [key, def] of Object.entries(models)) {
    const name = key.replace(/ \(addendum[^)]*\)$/, '');
    if (IDENT.test(name.replace(/\./g, '_')) && def.fields !== undefined) add(name, def.fields);
    for (const [rel, rdef] of Object.entries(def.related_models ?? {}))
      if (rdef.fields !== undefined) add(rel, rdef.fields);
  }
  return out;
}

function mapType(t: string): FieldType {
  if (t.startsWith('many2one_reference')) return 'reference_int';
  return t as FieldType;
}

function pairsOf(s: unknown): [string, string][] | undefined {
  if (!Array.isArray(s)) return undefined;
  const out: [string, string][] = [];
  for (const p of s) if (Array.isArray(p) && typeof p[0] === 'string') out.push([p[0], String(p[1] ?? p[0])]);
  return out.length === 0 ? undefined : out;
}

function toFieldDef(model: string, f: RawField, version: Version): FieldDef {
  const computed = f.computed === true;
  // models.json writes `stored` as a boolean or as a per-version sentence ("true in v17 ...").
  const stored = computed ? f.stored === true || (typeof f.stored === 'string' && f.stored.startsWith('true')) : true;
  const inverse = f.inverse === true;
  const relationField = typeof f.inverse === 'string' ? f.inverse : undefined;
  const relation = RELATION_BY_VERSION[`${model}.${f.name}`]?.(version) ?? f.relation;
  const readonly = f.readonly === true || ((computed || f.related !== undefined) && !inverse && f.readonly !== false);
  const dflt = versionedDefault(f, version);
  const pairs = pairsOf(versionedSelection(f, version));
  return {
    name: f.name,
    type: mapType(f.type),
    required: versionedRequired(f, version),
    computed,
    stored,
    readonly,
    inverse,
    ...(relation === undefined ? {} : { relation }),
    ...(relationField === undefined ? {} : { relationField }),
    ...(f.related === undefined ? {} : { related: f.related }),
    ...(dflt === undefined ? {} : { default: dflt }),
    ...(pairs === undefined ? {} : { selection: pairs.map((p) => p[0]), selectionPairs: pairs }),
  };
}

const META: readonly FieldDef[] = [
  { name: 'id', type: 'integer', required: false, computed: true, stored: true, readonly: true, inverse: false },
  ...['create_date', 'write_date'].map((name): FieldDef => ({
    name,
    type: 'datetime',
    required: false,
    computed: true,
    stored: true,
    readonly: true,
    inverse: false,
  })),
  {
    name: 'display_name',
    type: 'char',
    required: false,
    computed: true,
    stored: false,
    readonly: true,
    inverse: false,
  },
];

/** Defining module of each facts model (its "module" line, first word). */
function moduleOf(name: string): string {
  const models = (rawModels as unknown as { models: Record<string, RawModel> }).models;
  const m = models[name]?.module ?? name.split('.')[0] ?? 'base';
  return m.split(/[ (]/)[0] ?? m;
}

export function loadSchema(
  version: Version = 19,
  edition: Edition = 'community',
  addons: ReadonlySet<string> = new Set(),
): ReadonlyMap<string, ModelDef> {
  const absent = (module: string | undefined): boolean =>
    module !== undefined && (OPTIONAL_ADDONS as readonly string[]).includes(module) && !addons.has(module);
  const facts = factModels();
  const extras = extraModels(version);
  const added = extraFields(version);
  const out = new Map<string, ModelDef>();
  const names = [...new Set([...facts.keys(), ...Object.keys(extras)])];
  for (const name of names) {
    const extra = extras[name];
    if (extra?.edition !== undefined && extra.edition !== edition) continue;
    if (absent(extra?.module)) continue;
    if (facts.has(name) && extra !== undefined)
      throw new Error(`odoo stand-in: ${name} is both in models.json and in schema-extra.ts`);
    const raw = [...(facts.get(name) ?? extra?.fields ?? []), ...(added[name] ?? [])];
    const fields = new Map<string, FieldDef>();
    fields.set('id', META[0] as FieldDef);
    for (const f of raw) {
      if (!present(name, f, version, edition) || absent(f.module)) continue;
      if (fields.has(f.name)) throw new Error(`odoo stand-in: ${name}.${f.name} is defined twice`);
      fields.set(f.name, toFieldDef(name, withOverrides(name, f, version), version));
    }
    for (const meta of META.slice(1)) fields.set(meta.name, meta);
    const recName = extra?.recName ?? REC_NAME[name] ?? (fields.has('name') ? 'name' : 'id');
    out.set(name, {
      name,
      fields,
      order: extra?.order ?? ORDER[name] ?? 'id',
      recName: name === 'stock.move' && version >= 19 ? 'reference' : recName,
      module: extra?.module ?? moduleOf(name),
      transient: extra?.transient ?? false,
    });
  }
  return out;
}
