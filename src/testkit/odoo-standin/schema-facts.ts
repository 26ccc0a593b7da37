// How the stand-in reads models.json (the shared facts): which fields exist in which version and
// edition, and how the entries that name several fields at once ("a / b") expand. The facts say
// this in prose ("v17, v18 only (absent in v19)"); the tables below turn each sentence into a
// decision, and a unit test fails when models.json gains a versioned or compound entry that has
// no decision here. Decisions marked "assumed" follow the facts' own assumption.

export type Version = 17 | 18 | 19;
export type Edition = 'community' | 'enterprise';

export interface RawField {
  name: string;
  type: string;
  relation?: string;
  required?: boolean;
  required_v17?: boolean;
  required_v18?: boolean;
  computed?: boolean;
  stored?: boolean | string;
  readonly?: boolean;
  inverse?: boolean | string;
  related?: string;
  selection?: unknown;
  selection_v19?: unknown;
  selection_v19x?: unknown;
  selection_v17_v18?: unknown;
  default?: unknown;
  default_v17_v18?: unknown;
  default_v19x?: unknown;
  versions?: string;
  module?: string;
}

/** Versions of fields the facts tag with `versions`, keyed `model.field`. */
export const FIELD_VERSIONS: Readonly<Record<string, readonly Version[]>> = {
  'mrp.workcenter.default_capacity': [17, 18],
  // The addendum read lot_producing_ids in the 19.0 copy; lot_producing_id is 17/18.
  'mrp.production.lot_producing_id': [17, 18],
  'mrp.production.lot_producing_ids': [19],
  'mrp.production.production_group_id': [19],
  'mrp.production.procurement_group_id': [17, 18],
  'mrp.workorder.scrap_ids': [17, 18],
  'mrp.workorder.finished_lot_id': [17, 18],
  'stock.move.name': [17, 18],
  // 19.0 keeps product_uom; only the post-19 master renames it uom_id.
  'stock.move.product_uom': [17, 18, 19],
  'stock.move.quantity': [17, 18, 19],
  'stock.move.picked': [17, 18, 19],
  'stock.move.location_final_id': [18, 19],
  'stock.move.group_id': [17, 18],
  'stock.move.reference_ids': [19],
  'stock.move.scrapped': [17, 18],
  'stock.move.scrap_id': [17, 18, 19],
  'stock.move.product_packaging_id': [17, 18],
  'stock.move.manual_consumption': [17, 18, 19], // v18 assumed by the facts
  'stock.move.should_consume_qty': [19], // v17/v18 unverified: left out
  'stock.move.order_finished_lot_ids': [19],
  'stock.move.line.quantity': [17, 18, 19],
  'stock.move.line.picked': [17, 18, 19],
  'stock.move.line.package_level_id': [17, 18],
  'stock.move.line.package_history_id': [19],
  'stock.move.line.is_entire_pack': [19],
  'stock.picking.move_ids_without_package': [17, 18], // v18 unverified, assumed like v17
  'stock.picking.return_id': [17, 18, 19],
  'stock.picking.group_id': [17, 18],
  'stock.picking.package_level_ids': [17, 18],
  'maintenance.equipment.location': [17, 18], // v17 maintenance not read: assumed like v18
  'maintenance.equipment.location_id': [19],
  'maintenance.request.schedule_end': [19],
  // Enterprise mrp_maintenance: read in ee18 and ee19; v17 not read (assumed the same).
  'maintenance.equipment.workcenter_id': [17, 18, 19],
};

/**
 * Per-version changes of a field's flags that the facts state in notes rather than in keys
 * (e.g. "v18/v19: computed (stored, precompute, readonly=False)"). Keyed `model.field`.
 */
export const FIELD_OVERRIDES: Readonly<Record<string, (v: Version) => Partial<RawField> | undefined>> = {
  // Source (not the facts, which say readonly=False for all): 17.0 mrp stock_move.py declares it
  // compute + store without readonly=False (readonly in fields_get; an RPC write still stores it).
  'stock.move.manual_consumption': (v) => (v === 17 ? { readonly: true } : undefined),
  // "v17: plain field. v18/v19: computed (stored, precompute, readonly=False) from the picking".
  'stock.move.location_id': (v) => (v >= 18 ? { computed: true, stored: true, readonly: false } : undefined),
  'stock.move.location_dest_id': (v) => (v >= 18 ? { computed: true, stored: true, readonly: false } : undefined),
  // "v19: computed stored from schedule_end - schedule_date ... and not readonly=False".
  'maintenance.request.duration': (v) => (v >= 19 ? { computed: true, stored: true, readonly: true } : undefined),
  // "v17: required, default current company. v18: computed from the product's company (stored, editable)".
  'stock.lot.company_id': (v) => (v >= 18 ? { computed: true, stored: true, readonly: false } : undefined),
  // One2many lines of the wizards; the facts leave out the inverse (stock/mrp wizard sources).
  'stock.backorder.confirmation.backorder_confirmation_line_ids': () => ({ inverse: 'backorder_confirmation_id' }),
  'mrp.production.backorder.mrp_production_backorder_line_ids': () => ({ inverse: 'mrp_production_backorder_id' }),
  'stock.picking.move_ids_without_package': () => ({ inverse: 'picking_id' }),
  // "readonly=True in v17/v18 (UI); writable in v19x": fields_get says so.
  'mrp.workorder.qty_produced': (v) => ({ readonly: v <= 18 }),
  // "v17 plain default 'direct'; v19x computed from the picking type (readonly=False)".
  'stock.picking.move_type': () => ({ default: 'direct' }),
  // 19.0 stock_picking.py: code default 'incoming'; the facts' note "mrp adds mrp_operation".
  'stock.picking.type.code': () => ({
    default: 'incoming',
    selection: [
      ['incoming', 'Receipt'],
      ['outgoing', 'Delivery'],
      ['internal', 'Internal Transfer'],
      ['mrp_operation', 'Manufacturing'],
    ],
  }),
};

/** Relations that differ by version (the facts write them as "a (v17, v18) / b (v19)"). */
export const RELATION_BY_VERSION: Readonly<Record<string, (v: Version) => string>> = {
  'stock.move.line.package_id': (v) => (v >= 19 ? 'stock.package' : 'stock.quant.package'),
  'stock.move.line.result_package_id': (v) => (v >= 19 ? 'stock.package' : 'stock.quant.package'),
  'stock.quant.package_id': (v) => (v >= 19 ? 'stock.package' : 'stock.quant.package'),
};

const f = (name: string, type: string, extra: Partial<RawField> = {}): RawField => ({ name, type, ...extra });

/**
 * Entries of models.json that name several fields in one line, expanded with the types of the
 * 19.0 source (odoo/addons/maintenance/models/maintenance.py, stock_move_line.py, stock_picking.py
 * of the 19.0 copy; ee19 mrp_maintenance for the Enterprise line). Keyed `model|entry name`.
 */
const EQUIPMENT_MISC =
  'model / partner_id / partner_ref / cost / warranty_date / assign_date / scrap_date / note / color';

export const EXPANSIONS: Readonly<Record<string, readonly RawField[]>> = {
  [`maintenance.equipment|${EQUIPMENT_MISC}`]: [
    f('model', 'char'),
    f('partner_id', 'many2one', { relation: 'res.partner' }),
    f('partner_ref', 'char'),
    f('cost', 'float'),
    f('warranty_date', 'date'),
    f('assign_date', 'date'),
    f('scrap_date', 'date'),
    f('note', 'html'),
    f('color', 'integer'),
  ],
  'maintenance.equipment|mtbf / mttr / latest_failure_date / estimated_next_failure': [
    f('mtbf', 'integer', { computed: true, stored: false }),
    f('mttr', 'integer', { computed: true, stored: false }),
    f('latest_failure_date', 'date', { computed: true, stored: false }),
    f('estimated_next_failure', 'date', { computed: true, stored: false }),
  ],
  'maintenance.equipment|maintenance_count / maintenance_open_count': [
    f('maintenance_count', 'integer', { computed: true, stored: true }),
    f('maintenance_open_count', 'integer', { computed: true, stored: true }),
  ],
  'maintenance.request|repeat_interval / repeat_unit / repeat_type / repeat_until': [
    f('repeat_interval', 'integer', { default: 1 }),
    f('repeat_unit', 'selection', {
      default: 'week',
      selection: [
        ['day', 'Days'],
        ['week', 'Weeks'],
        ['month', 'Months'],
        ['year', 'Years'],
      ],
    }),
    f('repeat_type', 'selection', {
      default: 'forever',
      selection: [
        ['forever', 'Forever'],
        ['until', 'Until'],
      ],
    }),
    f('repeat_until', 'date'),
  ],
  'maintenance.request|instruction_type / instruction_pdf / instruction_google_slide / instruction_text': [
    f('instruction_type', 'selection', {
      default: 'text',
      selection: [
        ['pdf', 'PDF'],
        ['google_slide', 'Google Slide'],
        ['text', 'Text'],
      ],
    }),
    f('instruction_pdf', 'binary'),
    f('instruction_google_slide', 'char'),
    f('instruction_text', 'html'),
  ],
  'maintenance.request|block_workcenter / recurring_leaves_count / leave_ids': [
    f('block_workcenter', 'boolean', { module: 'mrp_maintenance (ENTERPRISE)' }),
    f('recurring_leaves_count', 'integer', { module: 'mrp_maintenance (ENTERPRISE)' }),
    f('leave_ids', 'many2many', { relation: 'resource.calendar.leaves', module: 'mrp_maintenance (ENTERPRISE)' }),
  ],
  'maintenance.team|request_ids / equipment_ids': [
    f('request_ids', 'one2many', { relation: 'maintenance.request', inverse: 'maintenance_team_id' }),
    f('equipment_ids', 'one2many', { relation: 'maintenance.equipment', inverse: 'maintenance_team_id' }),
  ],
  'maintenance.team|todo_request_* counters': [
    f('todo_request_count', 'integer', { computed: true, stored: false }),
    f('todo_request_count_date', 'integer', { computed: true, stored: false }),
    f('todo_request_count_high_priority', 'integer', { computed: true, stored: false }),
    f('todo_request_count_block', 'integer', { computed: true, stored: false }),
    f('todo_request_count_unscheduled', 'integer', { computed: true, stored: false }),
  ],
  'stock.move.line|package_history_id / is_entire_pack': [
    f('package_history_id', 'many2one', { relation: 'stock.package.history', versions: 'v19, v19x' }),
    f('is_entire_pack', 'boolean', { versions: 'v19, v19x' }),
  ],
  'stock.move.line|consume_line_ids / produce_line_ids': [
    f('consume_line_ids', 'many2many', { relation: 'stock.move.line' }),
    f('produce_line_ids', 'many2many', { relation: 'stock.move.line' }),
  ],
  'stock.picking.type|use_create_lots / use_existing_lots': [
    f('use_create_lots', 'boolean'),
    f('use_existing_lots', 'boolean'),
  ],
  'stock.picking.type|default_location_src_id / default_location_dest_id': [
    f('default_location_src_id', 'many2one', { relation: 'stock.location', required: true }),
    f('default_location_dest_id', 'many2one', { relation: 'stock.location', required: true }),
  ],
};

/** Is this field (of the facts) present in this version and edition? */
export function present(model: string, raw: RawField, version: Version, edition: Edition): boolean {
  if (raw.module !== undefined && /ENTERPRISE/.test(raw.module) && edition !== 'enterprise') return false;
  const versions = FIELD_VERSIONS[`${model}.${raw.name}`];
  return versions === undefined || versions.includes(version);
}

export function withOverrides(model: string, raw: RawField, version: Version): RawField {
  const o = FIELD_OVERRIDES[`${model}.${raw.name}`]?.(version);
  return o === undefined ? raw : { ...raw, ...o };
}

export function versionedSelection(raw: RawField, version: Version): unknown {
  if (version <= 18) return raw.selection_v17_v18 ?? raw.selection;
  return raw.selection_v19 ?? raw.selection_v19x ?? raw.selection;
}

export function versionedDefault(raw: RawField, version: Version): unknown {
  if (version <= 18 && raw.default_v17_v18 !== undefined) return raw.default_v17_v18;
  if (version >= 19 && raw.default_v19x !== undefined) return raw.default_v19x;
  return raw.default;
}

export function versionedRequired(raw: RawField, version: Version): boolean {
  if (version === 17 && raw.required_v17 !== undefined) return raw.required_v17;
  // stock.lot.company_id: 18 is not required, and the 19.0 copy agrees (computed from the product).
  if (version >= 18 && raw.required_v18 !== undefined) return raw.required_v18;
  return raw.required === true;
}
