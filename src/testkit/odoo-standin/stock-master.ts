// Master data of the stock recipes: lots (stock_lot.py: name from the serial sequence, company
// required on 17 and taken from the product on 18/19, unique name per product and company),
// products (a template per product; placeholders for fixture writes), locations (complete_name).
import { validationError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import { product, productName } from './stock-quants.js';
import type { Row } from './store.js';

const lotUniqueness = (env: Env, ids: readonly number[]): void => {
  const lines = new Set<string>();
  for (const id of ids) {
    const lot = env.store.get('stock.lot', id);
    const same = env.store.rows(
      'stock.lot',
      (x) => x['id'] !== id && x['product_id'] === lot['product_id'] && x['name'] === lot['name'],
    );
    const company = lot['company_id'] ?? false;
    // 18/19 also compare a company-less lot with company lots; 17 compares within a company only.
    const clash = same.some((x) => {
      const other = x['company_id'] ?? false;
      return other === company || (env.version >= 18 && (other === false || company === false));
    });
    if (!clash) continue;
    lines.add(
      env.version === 17
        ? ` - Product: ${productName(env, lot['product_id'])}, Serial Number: ${String(lot['name'])}`
        : ` - Product: ${productName(env, lot['product_id'])}, Lot/Serial Number: ${String(lot['name'])}`,
    );
  }
  if (lines.size === 0) return;
  throw validationError(
    env.version === 17
      ? 'The combination of serial number and product must be unique across a company.\n' +
          `Following combination contains duplicates:\n${[...lines].join('\n')}`
      : 'The combination of lot/serial number and product must be unique within a company including when no ' +
          `company is defined.\nThe following combinations contain duplicates:\n${[...lines].join('\n')}`,
  );
};

/** stock.quant.package (17/18) / stock.package (19): a name from the sequence when none is given. */
export const packageHooks: ModelHooks = {
  defaults: { name: (env) => env.store.nextSequence('stock.quant.package', 'PACK', 7) },
  computes: [
    {
      field: 'complete_name',
      depends: ['name', 'parent_package_id'],
      compute: (env, r) => {
        const parent =
          typeof r['parent_package_id'] === 'number' && env.store.has('stock.package', r['parent_package_id'])
            ? env.store.get('stock.package', r['parent_package_id'])
            : undefined;
        return parent === undefined ? r['name'] : `${String(parent['complete_name'])} > ${String(r['name'])}`;
      },
    },
    { field: 'company_id', depends: ['name'], compute: (env) => env.companyId },
  ],
};

export const lotHooks: ModelHooks = {
  defaults: {
    // 17: default next_by_code('stock.lot.serial'); 19: computed from the product's lot_sequence_id,
    // which defaults to that same sequence (stock.sequence_production_lots, padding 7).
    name: (env) => env.store.nextSequence('stock.lot.serial', '', 7),
    company_id: (env, vals) =>
      env.version === 17 ? env.companyId : (product(env, vals['product_id'])?.['company_id'] ?? false),
  },
  reads: {
    product_qty: (env, r) =>
      env.store
        .rows('stock.quant', (q) => q['lot_id'] === r['id'])
        .filter((q) => {
          const loc = env.store.get('stock.location', q['location_id'] as number);
          return loc['usage'] === 'internal' || loc['usage'] === 'transit';
        })
        .reduce((s, q) => s + Number(q['quantity'] ?? 0), 0),
  },
  computes: [
    {
      field: 'product_uom_id',
      depends: ['product_id'],
      compute: (env, r) => product(env, r['product_id'])?.['uom_id'] ?? false,
    },
  ],
  constrain(env, ids, fields) {
    if (fields.has('name') || fields.has('product_id') || fields.has('company_id')) lotUniqueness(env, ids);
  },
};

export const productHooks: ModelHooks = {
  defaults: { uom_id: (env) => env.store.rows('uom.uom')[0]?.['id'] ?? false },
  beforeCreate(env, vals) {
    if (vals['product_tmpl_id'] === undefined && typeof vals['name'] === 'string')
      vals['product_tmpl_id'] = env.store.create('product.template', [{ name: vals['name'] }], {
        ...env,
        context: {},
      })[0];
  },
  placeholder(env, id) {
    const [tmpl] = env.store.create('product.template', [{ name: `Product ${id}` }], env);
    const uom = env.store.rows('uom.uom')[0]?.['id'];
    env.store.createWithId('product.product', id, {
      name: `Product ${id}`,
      product_tmpl_id: tmpl,
      uom_id: uom,
      type: 'consu',
      tracking: 'none',
      active: true,
    });
  },
};

function completeName(env: Env, r: Row): string {
  const parent =
    typeof r['location_id'] === 'number' && env.store.has('stock.location', r['location_id'])
      ? env.store.get('stock.location', r['location_id'])
      : undefined;
  const name = String(r['name'] ?? '');
  // stock_location.py _compute_complete_name (17-19): a view location is its own name (so WH/Stock,
  // not Physical Locations/WH/Stock).
  if (parent === undefined || r['usage'] === 'view') return name;
  return `${String(parent['complete_name'] ?? parent['name'])}/${name}`;
}

export const locationHooks: ModelHooks = {
  computes: [{ field: 'complete_name', depends: ['name', 'location_id'], compute: completeName }],
};
