// The stand-in's model schema: loaded from models.json (a copy of /work/shared/odoo/models.json,
// the facts read from Odoo's source) plus the few base models it does not describe (res.company,
// res.users). Each field gets a type, relation, required flag, computed/stored flags, default.
import rawModels from './models.json' with { type: 'json' };

export type FieldType =
  | 'char'
  | 'text'
  | 'html'
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
  readonly default?: unknown;
}

export interface ModelDef {
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldDef>;
  /** Default order of search results. */
  readonly order: string;
  /** Field that gives display_name. */
  readonly recName: string;
}

/** Models the stand-in serves. */
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

interface RawField {
  name: string;
  type: string;
  relation?: string;
  required?: boolean;
  computed?: boolean;
  stored?: boolean | string;
  related?: string;
  selection?: unknown;
  selection_v19x?: unknown;
  selection_v17_v18?: unknown;
  default?: unknown;
}

const ORDER: Readonly<Record<string, string>> = {
  'mrp.workcenter.productivity': 'id desc',
  'mrp.workcenter.productivity.loss': 'sequence, id',
  'mrp.workcenter': 'sequence, id',
  'stock.scrap': 'id desc',
};

const REC_NAME: Readonly<Record<string, string>> = {
  'mrp.workcenter.productivity': 'loss_id',
  'mrp.workcenter.productivity.loss.type': 'loss_type',
  'ir.model.data': 'name',
};

const EXTRA: Readonly<Record<string, readonly RawField[]>> = {
  // Enough of base's ir.model to detect optional models (quality.alert), and of mail's
  // mail.message to hold what message_post writes (chatter notes).
  'ir.model': [
    { name: 'model', type: 'char', required: true },
    { name: 'name', type: 'char', required: true },
  ],
  'mail.message': [
    { name: 'model', type: 'char' },
    { name: 'res_id', type: 'many2one_reference' },
    { name: 'body', type: 'html' },
    {
      name: 'message_type',
      type: 'selection',
      selection: [
        ['comment', 'Comment'],
        ['notification', 'Notification'],
      ],
      default: 'comment',
    },
    { name: 'subtype_xmlid', type: 'char' },
    { name: 'author_id', type: 'integer' },
  ],
  'res.company': [{ name: 'name', type: 'char', required: true }],
  'res.users': [
    { name: 'name', type: 'char', required: true },
    { name: 'login', type: 'char', required: true },
    { name: 'company_id', type: 'many2one', relation: 'res.company', required: true },
  ],
};

function mapType(t: string): FieldType {
  if (t.startsWith('many2one_reference')) return 'reference_int';
  return t as FieldType;
}

function selectionKeys(f: RawField): string[] | undefined {
  const merged: string[] = [];
  for (const s of [f.selection, f.selection_v17_v18, f.selection_v19x]) {
    if (Array.isArray(s))
      for (const pair of s) if (Array.isArray(pair) && typeof pair[0] === 'string') merged.push(pair[0]);
  }
  return merged.length === 0 ? undefined : merged;
}

function toFieldDef(f: RawField): FieldDef {
  const computed = f.computed === true;
  // models.json writes `stored` as a boolean or as a per-version sentence ("true in v17 ...").
  const stored = computed ? f.stored === true || (typeof f.stored === 'string' && f.stored.startsWith('true')) : true;
  const def: FieldDef = {
    name: f.name,
    type: mapType(f.type),
    required: f.required === true,
    computed,
    stored,
    ...(f.relation === undefined ? {} : { relation: f.relation }),
    ...(f.related === undefined ? {} : { related: f.related }),
    ...(f.default === undefined ? {} : { default: f.default }),
  };
  const sel = selectionKeys(f);
  return sel === undefined ? def : { ...def, selection: sel };
}

export function loadSchema(): ReadonlyMap<string, ModelDef> {
  const models = (rawModels as unknown as { models: Record<string, { fields?: RawField[] }> }).models;
  const out = new Map<string, ModelDef>();
  for (const name of SERVED_MODELS) {
    const raw = models[name]?.fields ?? EXTRA[name];
    if (raw === undefined) throw new Error(`odoo stand-in: models.json has no fields for ${name}`);
    const fields = new Map<string, FieldDef>();
    fields.set('id', { name: 'id', type: 'integer', required: false, computed: true, stored: true });
    for (const f of raw) fields.set(f.name, toFieldDef(f));
    for (const meta of ['create_date', 'write_date'])
      fields.set(meta, { name: meta, type: 'datetime', required: false, computed: true, stored: true });
    fields.set('display_name', { name: 'display_name', type: 'char', required: false, computed: true, stored: false });
    out.set(name, {
      name,
      fields,
      order: ORDER[name] ?? 'id',
      recName: REC_NAME[name] ?? (fields.has('name') ? 'name' : 'id'),
    });
  }
  return out;
}
