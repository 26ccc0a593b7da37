// Models and fields the stand-in serves that models.json does not describe: base models, the
// master data the stock recipes need (locations, products, units, BoMs), the wizards' line models
// and the Enterprise quality models. Field names, types, required flags and defaults are read from
// the 19.0 copy (IToldegloryventures/Party-Time-Odoo, odoo/addons/...) unless a comment says
// otherwise; Enterprise ones from the ee19 mirror (zenphamgeek/odoo19-enterprise). Only what a
// client of these recipes can observe is modelled.
import type { Edition, RawField, Version } from './schema-facts.js';

const f = (name: string, type: string, extra: Partial<RawField> = {}): RawField => ({ name, type, ...extra });
const m2o = (name: string, relation: string, extra: Partial<RawField> = {}): RawField =>
  f(name, 'many2one', { relation, ...extra });
const o2m = (name: string, relation: string, inverse: string): RawField => f(name, 'one2many', { relation, inverse });
const sel = (name: string, pairs: readonly (readonly [string, string])[], extra: Partial<RawField> = {}): RawField =>
  f(name, 'selection', { selection: pairs.map((p) => [...p]), ...extra });

export interface ExtraModel {
  readonly fields: readonly RawField[];
  readonly order?: string;
  readonly recName?: string;
  /** Only in this edition (default: both). */
  readonly edition?: Edition;
  /** The module that defines it (ir.model `modules`, ir.module.module rows). */
  readonly module: string;
  readonly transient?: boolean;
}

const EE_MAINT = 'mrp_maintenance (ENTERPRISE)';

/** Community modules a test may install (`addons`): their models and fields exist only then. */
export const OPTIONAL_ADDONS = ['product_expiry'] as const;
export type Addon = (typeof OPTIONAL_ADDONS)[number];
const EXPIRY = 'product_expiry';

const TRACKING_19 = [
  ['serial', 'By Unique Serial Number'],
  ['lot', 'By Lots'],
  ['none', 'By Quantity'],
] as const;

/** product.product / product.template fields that differ by version (stock + product modules). */
function productFields(version: Version): RawField[] {
  const common = [
    f('name', 'char', { required: true }),
    f('default_code', 'char'),
    f('barcode', 'char'),
    f('active', 'boolean', { default: true }),
    m2o('uom_id', 'uom.uom', { required: true }),
    m2o('company_id', 'res.company'),
    sel('tracking', TRACKING_19, { required: true, default: 'none' }),
  ];
  // 17.0: storable is a product type ('product'); 18.0 made it the is_storable flag on 'consu'.
  if (version === 17)
    return [
      ...common,
      sel(
        'type',
        [
          ['consu', 'Consumable'],
          ['service', 'Service'],
          ['product', 'Storable Product'],
        ],
        { default: 'consu', required: true },
      ),
      sel(
        'detailed_type',
        [
          ['consu', 'Consumable'],
          ['service', 'Service'],
          ['product', 'Storable Product'],
        ],
        { default: 'consu', required: true },
      ),
    ];
  return [
    ...common,
    sel(
      'type',
      [
        ['consu', 'Goods'],
        ['service', 'Service'],
        ['combo', 'Combo'],
      ],
      { default: 'consu', required: true },
    ),
    f('is_storable', 'boolean', { default: false }),
  ];
}

export function extraModels(version: Version): Readonly<Record<string, ExtraModel>> {
  return {
    'res.company': { module: 'base', fields: [f('name', 'char', { required: true })] },
    'res.users': {
      module: 'base',
      fields: [
        f('name', 'char', { required: true }),
        f('login', 'char', { required: true }),
        m2o('company_id', 'res.company', { required: true }),
        f('company_ids', 'many2many', { relation: 'res.company' }),
      ],
    },
    // Enough of ir.model to detect optional models (quality.alert) by name.
    'ir.model': {
      module: 'base',
      fields: [
        f('model', 'char', { required: true }),
        f('name', 'char', { required: true }),
        f('modules', 'char', { computed: true, stored: false }),
        f('transient', 'boolean'),
        sel(
          'state',
          [
            ['manual', 'Custom Object'],
            ['base', 'Base Object'],
          ],
          { default: 'manual' },
        ),
      ],
      order: 'model',
    },
    'ir.module.module': {
      module: 'base',
      fields: [
        f('name', 'char', { required: true }),
        f('shortdesc', 'char'),
        sel(
          'state',
          [
            ['uninstallable', 'Uninstallable'],
            ['uninstalled', 'Not Installed'],
            ['installed', 'Installed'],
            ['to upgrade', 'To be upgraded'],
            ['to remove', 'To be removed'],
            ['to install', 'To be installed'],
          ],
          { default: 'uninstallable' },
        ),
        f('license', 'char'),
        f('application', 'boolean'),
      ],
      order: 'name',
    },
    'mail.message': {
      module: 'mail',
      fields: [
        f('model', 'char'),
        f('res_id', 'many2one_reference'),
        f('body', 'html'),
        sel(
          'message_type',
          [
            ['comment', 'Comment'],
            ['notification', 'Notification'],
          ],
          { default: 'comment' },
        ),
        f('subtype_xmlid', 'char'),
        f('author_id', 'integer'),
      ],
    },
    'uom.uom': {
      module: 'uom',
      // 17/18 also have category_id (uom.category); 19 replaced categories by relative units. Not modelled.
      fields: [
        f('name', 'char', { required: true }),
        f('rounding', 'float', { default: 0.01 }),
        f('active', 'boolean'),
      ],
    },
    'product.template': {
      module: 'product',
      // The stand-in keeps product data on product.product; the template holds the name.
      fields: [f('name', 'char', { required: true }), o2m('product_variant_ids', 'product.product', 'product_tmpl_id')],
    },
    'product.product': {
      module: 'product',
      fields: [...productFields(version), m2o('product_tmpl_id', 'product.template', { required: true })],
      order: 'default_code, name, id',
    },
    'stock.location': {
      module: 'stock',
      fields: [
        f('name', 'char', { required: true }),
        f('complete_name', 'char', { computed: true, stored: true }),
        f('active', 'boolean', { default: true }),
        sel(
          'usage',
          [
            ['supplier', 'Vendor'],
            ['view', 'Virtual'],
            ['internal', 'Internal'],
            ['customer', 'Customer'],
            ['inventory', 'Inventory Loss'],
            ['production', 'Production'],
            ['transit', 'Transit'],
          ],
          { required: true, default: 'internal' },
        ),
        m2o('location_id', 'stock.location'),
        o2m('child_ids', 'stock.location', 'location_id'),
        m2o('company_id', 'res.company', { default: 'current company' }),
        f('barcode', 'char'),
        o2m('quant_ids', 'stock.quant', 'location_id'),
        // 17.0 flags scrap locations; 19.0 uses usage 'inventory' instead (no such field there).
        ...(version <= 18 ? [f('scrap_location', 'boolean')] : []),
      ],
      order: 'complete_name, id',
      recName: 'complete_name',
    },
    // Packages: stock.quant.package on 17/18 (stock_quant.py, 17.0 filesdna copy), replaced on 19 by
    // stock.package (stock_package.py, 19.0 copy: nested packages, complete_name). Name required,
    // from a sequence when not given; location and company follow the content (not modelled).
    ...(version <= 18
      ? {
          'stock.quant.package': {
            module: 'stock',
            fields: [
              f('name', 'char', { required: true }),
              m2o('company_id', 'res.company', { computed: true, stored: true, readonly: true }),
              o2m('quant_ids', 'stock.quant', 'package_id'),
            ],
          },
        }
      : {
          'stock.package': {
            module: 'stock',
            recName: 'complete_name',
            fields: [
              f('name', 'char', { required: true }),
              f('complete_name', 'char', { computed: true, stored: true }),
              m2o('parent_package_id', 'stock.package'),
              m2o('company_id', 'res.company', { computed: true, stored: true, readonly: true }),
              o2m('quant_ids', 'stock.quant', 'package_id'),
            ],
          },
        }),
    // product_expiry/wizard/confirm_expiry.py (19.0)
    'expiry.picking.confirmation': {
      module: EXPIRY,
      transient: true,
      fields: [
        f('lot_ids', 'many2many', { relation: 'stock.lot', required: true }),
        f('picking_ids', 'many2many', { relation: 'stock.picking' }),
      ],
    },
    'stock.backorder.confirmation.line': {
      module: 'stock',
      transient: true,
      fields: [
        m2o('backorder_confirmation_id', 'stock.backorder.confirmation'),
        m2o('picking_id', 'stock.picking'),
        f('to_backorder', 'boolean'),
      ],
    },
    'mrp.bom': {
      module: 'mrp',
      fields: [
        m2o('product_tmpl_id', 'product.template', { required: true }),
        m2o('product_id', 'product.product'),
        f('product_qty', 'float', { required: true, default: 1 }),
        m2o('product_uom_id', 'uom.uom', { required: true }),
        f('code', 'char'),
        f('active', 'boolean', { default: true }),
        sel(
          'type',
          [
            ['normal', 'Manufacture this product'],
            ['phantom', 'Kit'],
          ],
          { required: true, default: 'normal' },
        ),
        // Default 'warning': an MO from a BoM asks about consumption differences unless told not to.
        sel(
          'consumption',
          [
            ['flexible', 'Allowed'],
            ['warning', 'Allowed with warning'],
            ['strict', 'Blocked'],
          ],
          { required: true, default: 'warning' },
        ),
        o2m('bom_line_ids', 'mrp.bom.line', 'bom_id'),
        m2o('company_id', 'res.company', { default: 'current company' }),
        m2o('picking_type_id', 'stock.picking.type'),
      ],
    },
    'mrp.bom.line': {
      module: 'mrp',
      fields: [
        m2o('bom_id', 'mrp.bom', { required: true }),
        m2o('product_id', 'product.product', { required: true }),
        f('product_qty', 'float', { required: true, default: 1 }),
        m2o('product_uom_id', 'uom.uom', { required: true }),
        f('sequence', 'integer', { default: 1 }),
        // 17/18 mrp_bom.py; 19 dropped it (a line's operation alone makes the move manual there).
        ...(version <= 18 ? [f('manual_consumption', 'boolean', { default: false })] : []),
      ],
    },
    'mrp.production.backorder.line': {
      module: 'mrp',
      transient: true,
      fields: [
        m2o('mrp_production_backorder_id', 'mrp.production.backorder', { required: true }),
        m2o('mrp_production_id', 'mrp.production', { required: true }),
        f('to_backorder', 'boolean'),
      ],
    },
    // The facts name this wizard's methods only; fields from mrp/wizard/mrp_consumption_warning.py.
    'mrp.consumption.warning': {
      module: 'mrp',
      transient: true,
      fields: [
        f('mrp_production_ids', 'many2many', { relation: 'mrp.production' }),
        o2m('mrp_consumption_warning_line_ids', 'mrp.consumption.warning.line', 'mrp_consumption_warning_id'),
      ],
    },
    'mrp.consumption.warning.line': {
      module: 'mrp',
      transient: true,
      fields: [
        m2o('mrp_consumption_warning_id', 'mrp.consumption.warning', { required: true }),
        m2o('mrp_production_id', 'mrp.production', { required: true }),
        m2o('product_id', 'product.product', { required: true }),
        m2o('product_uom_id', 'uom.uom'),
        f('product_consumed_qty_uom', 'float'),
        f('product_expected_qty_uom', 'float'),
      ],
    },
    'resource.calendar.leaves': {
      module: 'resource',
      fields: [
        f('name', 'char'),
        f('date_from', 'datetime', { required: true }),
        f('date_to', 'datetime', { required: true }),
        m2o('resource_id', 'resource.resource'),
        m2o('calendar_id', 'resource.calendar'),
        m2o('company_id', 'res.company', { default: 'current company' }),
        sel(
          'time_type',
          [
            ['leave', 'Time Off'],
            ['other', 'Other'],
          ],
          { default: 'leave' },
        ),
      ],
    },
    'maintenance.equipment.category': {
      module: 'maintenance',
      fields: [
        f('name', 'char', { required: true }),
        m2o('company_id', 'res.company', { default: 'current company' }),
        m2o('technician_user_id', 'res.users', { default: 'current user' }),
        f('color', 'integer'),
        f('note', 'html'),
      ],
    },
    ...QUALITY,
  };
}

/** Enterprise `quality` (+ quality_control, quality_mrp, mrp_workorder extensions), ee19 mirror. */
const QUALITY: Readonly<Record<string, ExtraModel>> = {
  'quality.point.test_type': {
    module: 'quality',
    edition: 'enterprise',
    fields: [
      f('name', 'char', { required: true }),
      f('technical_name', 'char', { required: true }),
      f('active', 'boolean', { default: true }),
    ],
  },
  'quality.alert.team': {
    module: 'quality',
    edition: 'enterprise',
    fields: [
      f('name', 'char', { required: true }),
      m2o('company_id', 'res.company'),
      f('sequence', 'integer'),
      f('color', 'integer', { default: 1 }),
    ],
    order: 'sequence, id',
  },
  'quality.alert.stage': {
    module: 'quality',
    edition: 'enterprise',
    fields: [
      f('name', 'char', { required: true }),
      f('sequence', 'integer'),
      f('folded', 'boolean'),
      f('done', 'boolean'),
      f('team_ids', 'many2many', { relation: 'quality.alert.team' }),
    ],
    order: 'sequence, id',
  },
  'quality.reason': { module: 'quality', edition: 'enterprise', fields: [f('name', 'char', { required: true })] },
  'quality.tag': {
    module: 'quality',
    edition: 'enterprise',
    fields: [f('name', 'char', { required: true }), f('color', 'integer')],
  },
  'quality.point': {
    module: 'quality',
    edition: 'enterprise',
    order: 'sequence, id',
    fields: [
      f('name', 'char', { required: true, default: "'New' -> sequence quality.point" }),
      f('sequence', 'integer'),
      f('title', 'char'),
      m2o('team_id', 'quality.alert.team', { required: true }),
      f('product_ids', 'many2many', { relation: 'product.product' }),
      f('product_category_ids', 'many2many', { relation: 'product.category' }),
      f('picking_type_ids', 'many2many', { relation: 'stock.picking.type', required: true }),
      m2o('company_id', 'res.company', { required: true, default: 'current company' }),
      m2o('user_id', 'res.users'),
      f('active', 'boolean', { default: true }),
      o2m('check_ids', 'quality.check', 'point_id'),
      m2o('test_type_id', 'quality.point.test_type', { required: true }),
      f('test_type', 'char', { related: 'test_type_id.technical_name' }),
      f('note', 'html'),
      f('reason', 'html'),
      f('failure_location_ids', 'many2many', { relation: 'stock.location' }),
      // quality_control
      sel(
        'measure_on',
        [
          ['operation', 'Operation'],
          ['product', 'Product'],
          ['move_line', 'Quantity'],
        ],
        { required: true, default: 'product' },
      ),
      sel(
        'measure_frequency_type',
        [
          ['all', 'All'],
          ['random', 'Randomly'],
          ['periodical', 'Periodically'],
          ['on_demand', 'On-demand'],
        ],
        { required: true, default: 'all' },
      ),
      f('norm', 'float'),
      f('tolerance_min', 'float'),
      f('tolerance_max', 'float'),
      f('norm_unit', 'char', { default: "'mm'" }),
      f('failure_message', 'html'),
      // mrp_workorder
      m2o('operation_id', 'mrp.routing.workcenter'),
    ],
  },
  'quality.check': {
    module: 'quality',
    edition: 'enterprise',
    order: 'point_id, id',
    fields: [
      f('name', 'char'),
      m2o('point_id', 'quality.point'),
      f('title', 'char', { computed: true, stored: true, readonly: false }),
      sel(
        'quality_state',
        [
          ['none', 'To do'],
          ['pass', 'Passed'],
          ['fail', 'Failed'],
        ],
        { default: 'none' },
      ),
      f('control_date', 'datetime'),
      m2o('product_id', 'product.product', { computed: true, stored: true, readonly: false }),
      m2o('picking_id', 'stock.picking'),
      f('lot_ids', 'many2many', { relation: 'stock.lot' }),
      m2o('user_id', 'res.users'),
      m2o('team_id', 'quality.alert.team', { required: true, computed: true, stored: true, readonly: false }),
      m2o('company_id', 'res.company', { required: true, default: 'current company' }),
      o2m('alert_ids', 'quality.alert', 'check_id'),
      f('note', 'html', { computed: true, stored: true, readonly: false }),
      m2o('test_type_id', 'quality.point.test_type', {
        required: true,
        computed: true,
        stored: true,
        readonly: false,
      }),
      f('test_type', 'char', { related: 'test_type_id.technical_name' }),
      f('additional_note', 'text'),
      m2o('failure_location_id', 'stock.location'),
      // quality_control
      f('measure', 'float', { default: 0 }),
      sel(
        'measure_success',
        [
          ['none', 'No measure'],
          ['pass', 'Pass'],
          ['fail', 'Fail'],
        ],
        { computed: true, stored: true, readonly: true },
      ),
      sel(
        'measure_on',
        [
          ['operation', 'Operation'],
          ['product', 'Product'],
          ['move_line', 'Quantity'],
        ],
        { required: true, default: 'product', computed: true, stored: true },
      ),
      m2o('move_line_id', 'stock.move.line'),
      // quality_mrp / mrp_workorder
      m2o('production_id', 'mrp.production'),
      m2o('workorder_id', 'mrp.workorder'),
      m2o('workcenter_id', 'mrp.workcenter', { related: 'workorder_id.workcenter_id' }),
      m2o('move_id', 'stock.move'),
      m2o('component_id', 'product.product'),
    ],
  },
  'quality.alert': {
    module: 'quality',
    edition: 'enterprise',
    order: 'id desc',
    fields: [
      f('name', 'char', { default: "'New' -> sequence quality.alert" }),
      f('description', 'html'),
      m2o('stage_id', 'quality.alert.stage'),
      m2o('company_id', 'res.company', { required: true, default: 'current company' }),
      m2o('reason_id', 'quality.reason'),
      f('tag_ids', 'many2many', { relation: 'quality.tag' }),
      f('date_assign', 'datetime'),
      f('date_close', 'datetime'),
      m2o('picking_id', 'stock.picking'),
      f('action_corrective', 'html'),
      f('action_preventive', 'html'),
      m2o('user_id', 'res.users', { default: 'current user' }),
      m2o('team_id', 'quality.alert.team', { required: true }),
      m2o('partner_id', 'res.partner'),
      m2o('check_id', 'quality.check'),
      m2o('product_tmpl_id', 'product.template'),
      m2o('product_id', 'product.product'),
      f('lot_ids', 'many2many', { relation: 'stock.lot' }),
      sel('priority', [
        ['0', 'Normal'],
        ['1', 'Low'],
        ['2', 'High'],
        ['3', 'Very High'],
      ]),
      // mrp_workorder (Enterprise) adds the work order, work center and production links.
      m2o('workorder_id', 'mrp.workorder'),
      m2o('workcenter_id', 'mrp.workcenter'),
      m2o('production_id', 'mrp.production'),
    ],
  },
};

/** Fields added to models the facts describe (fields the recipes need but the facts leave out). */
export function extraFields(version: Version): Readonly<Record<string, readonly RawField[]>> {
  return {
    'stock.move': [
      f('sequence', 'integer', { default: 10 }),
      m2o('bom_line_id', 'mrp.bom.line'),
      f('has_tracking', 'selection', { related: 'product_id.tracking', selection: TRACKING_19.map((p) => [...p]) }),
    ],
    'stock.quant': [m2o('product_uom_id', 'uom.uom', { related: 'product_id.uom_id' })],
    // mrp/models/stock_move_line.py: filled when a component move is reserved (_action_assign).
    'stock.move.line': [m2o('production_id', 'mrp.production'), m2o('workorder_id', 'mrp.workorder')],
    'stock.lot': [
      o2m('quant_ids', 'stock.quant', 'lot_id'),
      // product_expiry/models/production_lot.py (19.0): the date, and the alert once it has passed.
      f('expiration_date', 'datetime', { module: EXPIRY }),
      f('product_expiry_alert', 'boolean', { computed: true, stored: false, module: EXPIRY }),
    ],
    'mrp.production': [
      f('product_tracking', 'selection', {
        related: 'product_id.tracking',
        selection: TRACKING_19.map((p) => [...p]),
      }),
      f('product_uom_qty', 'float', { computed: true, stored: true }),
      // mrp_maintenance (Enterprise)
      f('request_ids', 'one2many', { relation: 'maintenance.request', inverse: 'production_id', module: EE_MAINT }),
      f('maintenance_count', 'integer', { computed: true, stored: false, module: EE_MAINT }),
    ],
    'mrp.workorder': [
      m2o('product_uom_id', 'uom.uom', { related: 'production_id.product_uom_id' }),
      // 19.0 mrp_workorder.py: the lots follow the MO's lot_producing_ids.
      ...(version >= 19
        ? [f('finished_lot_ids', 'many2many', { relation: 'stock.lot', related: 'production_id.lot_producing_ids' })]
        : []),
    ],
    'stock.backorder.confirmation': [f('show_transfers', 'boolean')],
    'stock.picking.type': [
      f('name', 'char', { required: true }),
      f('sequence_code', 'char', { required: true }),
      f('sequence', 'integer'),
      f('active', 'boolean', { default: true }),
      m2o('company_id', 'res.company', { required: true, default: 'current company' }),
      m2o('warehouse_id', 'stock.warehouse'),
    ],
    // mrp_maintenance makes the work center a maintenance.mixin (facts: "adds").
    'mrp.workcenter': [
      f('equipment_ids', 'one2many', { relation: 'maintenance.equipment', inverse: 'workcenter_id', module: EE_MAINT }),
      f('maintenance_ids', 'one2many', { relation: 'maintenance.request', inverse: 'workcenter_id', module: EE_MAINT }),
      f('effective_date', 'date', { required: true, default: 'today', module: EE_MAINT }),
      m2o('maintenance_team_id', 'maintenance.team', { module: EE_MAINT }),
      m2o('technician_user_id', 'res.users', { module: EE_MAINT }),
      f('expected_mtbf', 'integer', { module: EE_MAINT }),
      f('maintenance_count', 'integer', { computed: true, stored: true, module: EE_MAINT }),
      f('maintenance_open_count', 'integer', {
        computed: true,
        stored: true,
        module: EE_MAINT,
      }),
    ],
    'maintenance.request': [
      f('color', 'integer'),
      m2o('production_company_id', 'res.company', {
        related: 'production_id.company_id',
        module: EE_MAINT,
      }),
    ],
  };
}

/** Community modules the stand-in's database has installed; Enterprise adds the second list. */
export const COMMUNITY_MODULES = [
  'base',
  'mail',
  'resource',
  'uom',
  'product',
  'stock',
  'mrp',
  'maintenance',
  'stock_maintenance',
] as const;
export const ENTERPRISE_MODULES = [
  'web_enterprise',
  'mrp_workorder',
  'mrp_maintenance',
  'quality',
  'quality_control',
  'quality_mrp',
  'quality_mrp_workorder',
] as const;
