// The stand-in's database after install: company, users, the mrp loss seeds, work centers, the
// stock master data a fresh database has (locations, operation types, units), the maintenance
// seeds (maintenance_data.xml, mail_message_subtype_data.xml) and, on Enterprise, the quality
// seeds (team, stages, test types: names from third-party readings of quality_data.xml /
// quality_control_data.xml, unverified). ir.model lists every served model, ir.module.module the
// installed modules.
import { UI_XMLIDS } from './actions.js';
import { EXPIRY_VIEW_ID, PRODUCT_EXPIRY } from './product-expiry.js';
import type { Env } from './model-hooks.js';
import { COMMUNITY_MODULES, ENTERPRISE_MODULES } from './schema-extra.js';
import type { Store } from './store.js';

export const UID = 2;
export const COMPANY_ID = 1;

export interface SeedProduct {
  readonly default_code: string;
  readonly name?: string;
  /** Default 'none'. */
  readonly tracking?: 'none' | 'lot' | 'serial';
  /** Storable (17: type 'product'; 18/19: is_storable). Default true. */
  readonly storable?: boolean;
}

export interface SeedOptions {
  readonly login: string;
  readonly workCenters: readonly { readonly code: string; readonly name?: string }[];
  readonly products: readonly SeedProduct[];
}

type XmlIds = { module: string; name: string; model: string; res_id: number; noupdate: boolean }[];

function seedMrp(env: Env, xml: XmlIds, workCenters: SeedOptions['workCenters']): void {
  const { store } = env;
  const types = ['availability', 'performance', 'quality', 'productive'] as const;
  const typeIds = store.create(
    'mrp.workcenter.productivity.loss.type',
    types.map((t) => ({ loss_type: t })),
    env,
  );
  const losses = [
    ['block_reason0', 'Material Availability', 'availability', 1, true],
    ['block_reason1', 'Equipment Failure', 'availability', 2, true],
    ['block_reason2', 'Setup and Adjustments', 'availability', 3, true],
    ['block_reason4', 'Reduced Speed', 'performance', 5, false],
    ['block_reason5', 'Process Defect', 'quality', 6, true],
    ['block_reason6', 'Reduced Yield', 'quality', 7, true],
    ['block_reason7', 'Fully Productive Time', 'productive', 0, false],
  ] as const;
  const lossIds = store.create(
    'mrp.workcenter.productivity.loss',
    losses.map(([, name, type, sequence, manual]) => ({
      name,
      sequence,
      manual,
      loss_id: typeIds[types.indexOf(type)],
    })),
    env,
  );
  types.forEach((t, i) =>
    xml.push({
      module: 'mrp',
      name: `category_${t}`,
      model: 'mrp.workcenter.productivity.loss.type',
      res_id: typeIds[i] as number,
      noupdate: true,
    }),
  );
  losses.forEach(([name], i) =>
    xml.push({
      module: 'mrp',
      name,
      model: 'mrp.workcenter.productivity.loss',
      res_id: lossIds[i] as number,
      noupdate: true,
    }),
  );
  store.create(
    'mrp.workcenter',
    workCenters.map((w) => ({ name: w.name ?? `Work center ${w.code}`, code: w.code, company_id: COMPANY_ID })),
    env,
  );
}

function seedStock(env: Env, xml: XmlIds, products: readonly SeedProduct[]): void {
  const { store } = env;
  const [unit, kg] = store.create(
    'uom.uom',
    [
      { name: 'Units', rounding: 0.01, active: true },
      { name: 'kg', rounding: 0.001, active: true },
    ],
    env,
  );
  xml.push({ module: 'uom', name: 'product_uom_unit', model: 'uom.uom', res_id: unit as number, noupdate: true });
  xml.push({ module: 'uom', name: 'product_uom_kgm', model: 'uom.uom', res_id: kg as number, noupdate: true });
  const loc = (vals: Record<string, unknown>, xmlName?: string): number => {
    const [id] = store.create('stock.location', [vals], env);
    if (xmlName !== undefined)
      xml.push({ module: 'stock', name: xmlName, model: 'stock.location', res_id: id as number, noupdate: true });
    return id as number;
  };
  const physical = loc({ name: 'Physical Locations', usage: 'view', company_id: false }, 'stock_location_locations');
  const partners = loc({ name: 'Partners', usage: 'view', company_id: false }, 'stock_location_locations_partner');
  const virtual = loc(
    { name: 'Virtual Locations', usage: 'view', company_id: false },
    'stock_location_locations_virtual',
  );
  const vendors = loc(
    { name: 'Vendors', usage: 'supplier', location_id: partners, company_id: false },
    'stock_location_suppliers',
  );
  const customers = loc(
    { name: 'Customers', usage: 'customer', location_id: partners, company_id: false },
    'stock_location_customers',
  );
  const wh = loc({ name: 'WH', usage: 'view', location_id: physical, company_id: COMPANY_ID });
  const stock = loc(
    { name: 'Stock', usage: 'internal', location_id: wh, company_id: COMPANY_ID },
    'stock_location_stock',
  );
  loc({ name: 'Inventory adjustment', usage: 'inventory', location_id: virtual, company_id: COMPANY_ID });
  loc({ name: 'Production', usage: 'production', location_id: virtual, company_id: COMPANY_ID });
  loc({
    name: 'Scrap',
    usage: 'inventory',
    location_id: virtual,
    company_id: COMPANY_ID,
    ...(env.version <= 18 ? { scrap_location: true } : {}),
  });
  const type = (vals: Record<string, unknown>, xmlName?: string): void => {
    const [id] = store.create(
      'stock.picking.type',
      [{ create_backorder: 'ask', reservation_method: 'at_confirm', company_id: COMPANY_ID, ...vals }],
      env,
    );
    if (xmlName !== undefined)
      xml.push({ module: 'stock', name: xmlName, model: 'stock.picking.type', res_id: id as number, noupdate: true });
  };
  type(
    {
      name: 'Receipts',
      code: 'incoming',
      sequence_code: 'IN',
      default_location_src_id: vendors,
      default_location_dest_id: stock,
      use_create_lots: true,
      use_existing_lots: false,
      sequence: 1,
    },
    'picking_type_in',
  );
  type(
    {
      name: 'Delivery Orders',
      code: 'outgoing',
      sequence_code: 'OUT',
      default_location_src_id: stock,
      default_location_dest_id: customers,
      use_create_lots: false,
      use_existing_lots: true,
      sequence: 5,
    },
    'picking_type_out',
  );
  type(
    {
      name: 'Internal Transfers',
      code: 'internal',
      sequence_code: 'INT',
      default_location_src_id: stock,
      default_location_dest_id: stock,
      use_create_lots: false,
      use_existing_lots: true,
      sequence: 2,
    },
    'picking_type_internal',
  );
  type({
    name: 'Manufacturing',
    code: 'mrp_operation',
    sequence_code: 'MO',
    default_location_src_id: stock,
    default_location_dest_id: stock,
    use_create_lots: true,
    use_existing_lots: true,
    sequence: 10,
  });
  for (const p of products)
    store.create(
      'product.product',
      [
        {
          name: p.name ?? p.default_code,
          default_code: p.default_code,
          tracking: p.tracking ?? 'none',
          uom_id: unit,
          ...(env.version === 17
            ? {
                type: p.storable === false ? 'consu' : 'product',
                detailed_type: p.storable === false ? 'consu' : 'product',
              }
            : { type: 'consu', is_storable: p.storable !== false }),
        },
      ],
      env,
    );
}

function seedMaintenance(env: Env, xml: XmlIds): void {
  const { store } = env;
  const stages = [
    ['stage_0', 'New Request', 1, false, false],
    ['stage_1', 'In Progress', 2, false, false],
    ['stage_3', 'Repaired', 3, true, true],
    ['stage_4', 'Scrap', 4, true, true],
  ] as const;
  for (const [name, label, sequence, fold, done] of stages) {
    const [id] = store.create('maintenance.stage', [{ name: label, sequence, fold, done }], env);
    xml.push({ module: 'maintenance', name, model: 'maintenance.stage', res_id: id as number, noupdate: true });
  }
  const [team] = store.create('maintenance.team', [{ name: 'Internal Maintenance', company_id: COMPANY_ID }], env);
  xml.push({
    module: 'maintenance',
    name: 'equipment_team_maintenance',
    model: 'maintenance.team',
    res_id: team as number,
    noupdate: false,
  });
}

function seedQuality(env: Env, xml: XmlIds): void {
  const { store } = env;
  const [team] = store.create(
    'quality.alert.team',
    [{ name: 'Main Quality Team', company_id: false, sequence: 1 }],
    env,
  );
  xml.push({
    module: 'quality',
    name: 'quality_alert_team0',
    model: 'quality.alert.team',
    res_id: team as number,
    noupdate: true,
  });
  ['New', 'Confirmed', 'Action Proposed', 'Solved'].forEach((name, i) => {
    const [id] = store.create('quality.alert.stage', [{ name, sequence: i, done: name === 'Solved' }], env);
    xml.push({
      module: 'quality',
      name: `quality_alert_stage_${i}`,
      model: 'quality.alert.stage',
      res_id: id as number,
      noupdate: true,
    });
  });
  const types = [
    ['quality', 'test_type_instructions', 'Instructions', 'instructions'],
    ['quality', 'test_type_picture', 'Take a Picture', 'picture'],
    ['quality_control', 'test_type_passfail', 'Pass - Fail', 'passfail'],
    ['quality_control', 'test_type_measure', 'Measure', 'measure'],
  ] as const;
  for (const [module, name, label, technical] of types) {
    const [id] = store.create('quality.point.test_type', [{ name: label, technical_name: technical }], env);
    xml.push({ module, name, model: 'quality.point.test_type', res_id: id as number, noupdate: true });
  }
}

export function seed(store: Store, options: SeedOptions): void {
  const env = store.env();
  store.create('res.company', [{ name: 'Stand-in Company' }], env);
  store.create(
    'res.users',
    [{ name: 'OdooBot' }, { name: 'Integration User' }].map((u, i) => ({
      ...u,
      login: i === 0 ? '__system__' : options.login,
      company_id: COMPANY_ID,
      company_ids: [COMPANY_ID],
    })),
    env,
  );
  const xml: XmlIds = [
    { module: 'base', name: 'main_company', model: 'res.company', res_id: COMPANY_ID, noupdate: true },
  ];
  seedMrp(env, xml, options.workCenters);
  seedStock(env, xml, options.products);
  seedMaintenance(env, xml);
  if (store.edition === 'enterprise') seedQuality(env, xml);
  if (store.addons.has(PRODUCT_EXPIRY))
    xml.push({
      module: PRODUCT_EXPIRY,
      name: 'confirm_expiry_view',
      model: 'ir.ui.view',
      res_id: EXPIRY_VIEW_ID,
      noupdate: false,
    });
  for (const [full, ref] of Object.entries(UI_XMLIDS)) {
    const [module, name] = full.split('.') as [string, string];
    xml.push({ module, name, model: ref.model, res_id: ref.id, noupdate: false });
  }
  store.create('ir.model.data', xml, env);
  store.create(
    'ir.model',
    [...store.schema.values()].map((m) => ({ model: m.name, name: m.name, transient: m.transient, state: 'base' })),
    env,
  );
  const modules =
    store.edition === 'enterprise'
      ? [...COMMUNITY_MODULES, ...store.addons, ...ENTERPRISE_MODULES]
      : [...COMMUNITY_MODULES, ...store.addons];
  store.create(
    'ir.module.module',
    modules.map((name) => ({
      name,
      shortdesc: name,
      state: 'installed',
      license: (ENTERPRISE_MODULES as readonly string[]).includes(name) ? 'OEEL-1' : 'LGPL-3',
    })),
    env,
  );
}
