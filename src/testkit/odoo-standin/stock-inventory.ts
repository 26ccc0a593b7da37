// stock.quant over RPC (stock_quant.py): read use, its constraints, and the inventory-mode path —
// create with context inventory_mode and inventory_quantity returns the existing quant of the same
// key (or a new one) holding the count; action_apply_inventory posts one is_inventory move per
// quant against the inventory-loss location and clears the count.
import { userError, validationError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import { moveActionDone } from './stock-done.js';
import { EPS, findQuant, isStorable, location, product, roundQty } from './stock-quants.js';
import type { Row } from './store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

const INVENTORY_CREATE_FIELDS = new Set([
  'product_id',
  'owner_id',
  'inventory_quantity',
  'inventory_quantity_auto_apply',
  'inventory_diff_quantity',
  'inventory_date',
  'user_id',
  'inventory_quantity_set',
  'is_outdated',
  'lot_id',
  'location_id',
  'package_id',
]);
const FORBIDDEN_INVENTORY_WRITE = ['product_id', 'location_id', 'lot_id', 'package_id', 'owner_id'];

/** The API user is a stock manager in the stand-in, so inventory mode is just the context key. */
const inventoryMode = (env: Env): boolean => env.context['inventory_mode'] === true;

function diffOf(env: Env, q: Row): number {
  // 17.0 computes the difference always; 18+ only once a count is set.
  if (env.version >= 18 && q['inventory_quantity_set'] !== true) return 0;
  return roundQty(num(q['inventory_quantity']) - num(q['quantity']));
}

export const quantHooks: ModelHooks = {
  defaults: { inventory_quantity_set: () => false, reserved_quantity: () => 0 },
  computes: [
    {
      field: 'inventory_quantity_set',
      depends: ['inventory_quantity'],
      compute: () => true,
    },
    {
      field: 'inventory_diff_quantity',
      depends: ['inventory_quantity', 'inventory_quantity_set'],
      compute: (env, r) => diffOf(env, r),
    },
    {
      field: 'company_id',
      depends: ['location_id'],
      compute: (env, r) => location(env, r['location_id'])?.['company_id'] ?? false,
    },
  ],
  reads: {
    available_quantity: (_env, r) => roundQty(num(r['quantity']) - num(r['reserved_quantity'])),
    inventory_quantity_auto_apply: (_env, r) => num(r['quantity']),
    is_outdated: (_env, r) =>
      r['inventory_quantity_set'] === true &&
      Math.abs(num(r['inventory_quantity']) - num(r['inventory_diff_quantity']) - num(r['quantity'])) > EPS,
    last_count_date: () => false,
  },
  beforeWrite(env, _ids, vals) {
    if (inventoryMode(env) && FORBIDDEN_INVENTORY_WRITE.some((f) => f in vals))
      throw userError("Quant's editing is restricted, you can't do this operation.");
  },
  afterWrite(env, ids, _vals, inverses) {
    if (inventoryMode(env) && typeof inverses['inventory_quantity_auto_apply'] === 'number') {
      const target = inverses['inventory_quantity_auto_apply'];
      const toApply = ids.filter((id) => Math.abs(num(env.store.get('stock.quant', id)['quantity']) - target) > EPS);
      for (const id of toApply)
        env.store.update('stock.quant', id, { inventory_quantity: target, inventory_quantity_set: true }, env);
      applyInventory(env, toApply);
    }
  },
  constrain(env, ids, fields) {
    for (const id of ids) {
      const q = env.store.get('stock.quant', id);
      if (fields.has('product_id') && !isStorable(env, q['product_id']))
        throw validationError('Quants cannot be created for consumables or services.');
      const loc = location(env, q['location_id']);
      if (fields.has('location_id') && loc?.['usage'] === 'view')
        throw validationError(
          `You cannot take products from or deliver products to a location of type "view" (${String(loc['name'])}).`,
        );
      if (fields.has('lot_id') && typeof q['lot_id'] === 'number') {
        const lot = env.store.get('stock.lot', q['lot_id']);
        if (lot['product_id'] !== q['product_id'])
          throw validationError(`The Lot/Serial number (${String(lot['name'])}) is linked to another product.`);
      }
    }
  },
};

function inventoryLocation(env: Env, companyId: unknown): number {
  const loc = env.store.rows(
    'stock.location',
    (l) =>
      l['usage'] === 'inventory' &&
      l['name'] === 'Inventory adjustment' &&
      (l['company_id'] === companyId || companyId === false),
  )[0];
  if (loc === undefined) throw userError('No inventory adjustment location for this company.');
  return loc['id'] as number;
}

/** stock.quant._apply_inventory: one validated is_inventory move per quant. */
export function applyInventory(env: Env, ids: readonly number[]): void {
  const moveIds: number[] = [];
  for (const id of ids) {
    env.store.update('stock.quant', id, { inventory_quantity_set: true }, env);
    const q = env.store.get('stock.quant', id);
    const diff = diffOf(env, q);
    const loss = inventoryLocation(env, q['company_id'] ?? env.companyId);
    const [from, to] = diff > 0 ? [loss, q['location_id']] : [q['location_id'], loss];
    const qty = Math.abs(diff);
    const name =
      typeof env.context['inventory_name'] === 'string' ? env.context['inventory_name'] : 'Product Quantity Updated';
    const uom = product(env, q['product_id'])?.['uom_id'];
    const [moveId] = env.store.create(
      'stock.move',
      [
        {
          ...(env.version <= 18 ? { name } : {}),
          product_id: q['product_id'],
          product_uom: uom,
          product_uom_qty: qty,
          company_id: q['company_id'] || env.companyId,
          state: 'confirmed',
          location_id: from,
          location_dest_id: to,
          is_inventory: true,
          picked: true,
          origin: name,
          move_line_ids: [
            [
              0,
              0,
              {
                product_id: q['product_id'],
                product_uom_id: uom,
                quantity: qty,
                location_id: from,
                location_dest_id: to,
                lot_id: q['lot_id'] ?? false,
                picked: true,
                ...(diff > 0
                  ? { result_package_id: q['package_id'] ?? false }
                  : { package_id: q['package_id'] ?? false }),
                owner_id: q['owner_id'] ?? false,
              },
            ],
          ],
        },
      ],
      { ...env, context: {} },
    );
    moveIds.push(moveId as number);
  }
  moveActionDone(env, moveIds, false);
  for (const id of ids)
    if (env.store.has('stock.quant', id))
      env.store.update(
        'stock.quant',
        id,
        { inventory_quantity: 0, inventory_quantity_set: false, inventory_diff_quantity: 0, user_id: false },
        env,
      );
}

export const quantMethods: Readonly<Record<string, MethodDef>> = {
  create: {
    params: ['vals_list'],
    onRecords: false,
    run: (store, model, _ids, a, env) => {
      const list = Array.isArray(a['vals_list']) ? (a['vals_list'] as unknown[]) : [a['vals_list']];
      const out: number[] = [];
      for (const given of list) {
        const vals = (typeof given === 'object' && given !== null ? { ...given } : given) as Row;
        if (!inventoryMode(env) || !('inventory_quantity' in vals || 'inventory_quantity_auto_apply' in vals)) {
          out.push(...store.create(model, [{ inventory_quantity_set: false, ...vals }], env));
          continue;
        }
        if (Object.keys(vals).some((k) => !INVENTORY_CREATE_FIELDS.has(k)))
          throw userError("Quant's creation is restricted, you can't do this operation.");
        const autoApply = 'inventory_quantity_auto_apply' in vals;
        const counted = num(vals['inventory_quantity_auto_apply']) || num(vals['inventory_quantity']);
        delete vals['inventory_quantity_auto_apply'];
        delete vals['inventory_quantity'];
        const existing = findQuant(env, {
          productId: vals['product_id'] as number,
          locationId: vals['location_id'] as number,
          lotId: typeof vals['lot_id'] === 'number' ? vals['lot_id'] : false,
          packageId: typeof vals['package_id'] === 'number' ? vals['package_id'] : false,
          ownerId: typeof vals['owner_id'] === 'number' ? vals['owner_id'] : false,
        });
        const found = existing?.['id'];
        const id = typeof found === 'number' ? found : store.create(model, [vals], env)[0];
        if (id === undefined) throw userError('stock.quant: nothing created');
        if (autoApply) store.write(model, [id], { inventory_quantity_auto_apply: counted }, env);
        else
          store.write(
            model,
            [id],
            {
              inventory_quantity: counted,
              user_id: vals['user_id'] ?? env.uid,
              inventory_date: store.nowString().slice(0, 10),
            },
            { ...env, context: {} },
          );
        out.push(id);
      }
      return out;
    },
  },
  // Returns None (or the stock.inventory.conflict wizard when a count is outdated).
  action_apply_inventory: {
    params: ['date'],
    onRecords: true,
    run: (_store, _model, ids, _a, env) => {
      const quantIds = ids as number[];
      const outdated = quantIds.filter(
        (id) =>
          env.store.valueOf(env.store.model('stock.quant'), env.store.get('stock.quant', id), 'is_outdated') === true,
      );
      if (outdated.length > 0)
        return {
          name: 'Conflict in Inventory Adjustment',
          type: 'ir.actions.act_window',
          view_mode: 'form',
          views: [[false, 'form']],
          res_model: 'stock.inventory.conflict',
          target: 'new',
          context: { ...env.context, default_quant_ids: quantIds, default_quant_to_fix_ids: outdated },
        };
      applyInventory(env, quantIds);
      return null;
    },
  },
  action_set_inventory_quantity_zero: {
    params: [],
    onRecords: true,
    run: (_store, _model, ids, _a, env) => {
      for (const id of ids as number[]) env.store.write('stock.quant', [id], { inventory_quantity: 0 }, env);
      return null;
    },
  },
  action_clear_inventory_quantity: {
    params: [],
    onRecords: true,
    run: (_store, _model, ids, _a, env) => {
      for (const id of ids as number[])
        env.store.update(
          'stock.quant',
          id,
          { inventory_quantity: 0, inventory_quantity_set: false, inventory_diff_quantity: 0, user_id: false },
          env,
        );
      return null;
    },
  },
};
