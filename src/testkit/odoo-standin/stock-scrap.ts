// stock.scrap (stock_scrap.py, with mrp's extension): defaults of the source and scrap locations,
// `action_validate` (ensure_one; UserError on a zero quantity; for a storable product the strict
// available quantity at the source location, else the `stock.warn.insufficient.qty.scrap` wizard
// action instead of scrapping) and `do_scrap` (public, no availability check: name from the
// sequence, a picked move to the scrap location validated, state done, date_done). A done scrap
// cannot be deleted.
import { userError, valueError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import { withContext } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import { moveActionDone } from './stock-done.js';
import { setPicked } from './stock-move-hooks.js';
import { confirmMoves, setMoveQuantity } from './stock-moves.js';
import { EPS, isStorable, product, roundQty } from './stock-quants.js';
import type { Row } from './store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function stockLocation(env: Env, companyId: unknown): number | false {
  const loc = env.store
    .rows('stock.location', (l) => l['usage'] === 'internal' && (l['company_id'] === companyId || !l['company_id']))
    .sort((a, b) => (a['id'] as number) - (b['id'] as number))[0];
  return (loc?.['id'] as number | undefined) ?? false;
}

/** 17/18: the first scrap_location of the company; 19: the first inventory-usage location named Scrap. */
function scrapLocation(env: Env, companyId: unknown): number | false {
  const loc = env.store
    .rows(
      'stock.location',
      (l) =>
        (env.version <= 18 ? l['scrap_location'] === true : l['usage'] === 'inventory' && l['name'] === 'Scrap') &&
        (l['company_id'] === companyId || !l['company_id']),
    )
    .sort((a, b) => (a['id'] as number) - (b['id'] as number))[0];
  return (loc?.['id'] as number | undefined) ?? false;
}

/** mrp: the production's components location, or its finished location once it is done. */
function sourceLocation(env: Env, r: Row): number | false {
  if (typeof r['production_id'] === 'number' && env.store.has('mrp.production', r['production_id'])) {
    const p = env.store.get('mrp.production', r['production_id']);
    const loc = p['state'] === 'done' ? p['location_dest_id'] : p['location_src_id'];
    if (typeof loc === 'number') return loc;
  }
  return stockLocation(env, r['company_id'] ?? env.companyId);
}

export const scrapHooks: ModelHooks = {
  defaults: {
    name: () => 'New',
    state: () => 'draft',
    scrap_qty: () => 1,
    company_id: (env) => env.companyId,
  },
  computes: [
    {
      field: 'product_uom_id',
      depends: ['product_id'],
      compute: (env, r) => r['product_uom_id'] || product(env, r['product_id'])?.['uom_id'] || false,
    },
    {
      field: 'location_id',
      depends: ['production_id', 'company_id'],
      compute: (env, r) => r['location_id'] || sourceLocation(env, r),
    },
    {
      field: 'scrap_location_id',
      depends: ['company_id'],
      compute: (env, r) => r['scrap_location_id'] || scrapLocation(env, r['company_id'] ?? env.companyId),
    },
  ],
  beforeUnlink(env, ids) {
    for (const id of ids)
      if (env.store.get('stock.scrap', id)['state'] === 'done')
        throw userError('You cannot delete a scrap which is done.');
  },
};

function scrapOf(env: Env, id: unknown): Row {
  return env.store.get('stock.scrap', id as number);
}

/** Strict (this location only) quantity on hand minus reserved. */
function strictAvailable(env: Env, s: Row): number {
  return env.store
    .rows(
      'stock.quant',
      (q) =>
        q['product_id'] === s['product_id'] &&
        q['location_id'] === s['location_id'] &&
        (typeof s['lot_id'] !== 'number' || q['lot_id'] === s['lot_id']),
    )
    .reduce((n, q) => n + num(q['quantity']) - num(q['reserved_quantity']), 0);
}

export function doScrap(env: Env, ids: readonly number[]): true {
  for (const id of ids) {
    const s = scrapOf(env, id);
    if (s['state'] === 'done') continue;
    const name = env.store.nextSequence('stock.scrap', 'SP/', 5);
    const [moveId] = env.store.create(
      'stock.move',
      [
        {
          // 19.0 dropped stock.move.name (its reference is computed).
          ...(env.version <= 18 ? { name } : {}),
          origin: s['origin'] || name,
          product_id: s['product_id'],
          product_uom: s['product_uom_id'],
          product_uom_qty: num(s['scrap_qty']),
          location_id: s['location_id'],
          location_dest_id: s['scrap_location_id'],
          scrap_id: id,
          company_id: s['company_id'],
          ...(env.version <= 18 ? { scrapped: true } : {}),
        },
      ],
      env,
    );
    const scrapEnv = withContext(env, { is_scrap: true });
    confirmMoves(scrapEnv, [moveId as number]);
    setMoveQuantity(scrapEnv, moveId as number, roundQty(num(s['scrap_qty'])));
    setPicked(scrapEnv, moveId as number, true);
    moveActionDone(scrapEnv, [moveId as number], true);
    env.store.update('stock.scrap', id, { name, state: 'done', date_done: env.store.nowString() }, env);
  }
  return true;
}

const rec = (run: MethodDef['run']): MethodDef => ({ params: [], onRecords: true, run });

export const scrapMethods: Readonly<Record<string, MethodDef>> = {
  action_validate: rec((_s, _m, ids, _a, env) => {
    if (ids.length !== 1) throw valueError(`Expected singleton: stock.scrap(${ids.join(', ')},)`);
    const s = scrapOf(env, ids[0]);
    if (num(s['scrap_qty']) <= EPS) throw userError('You can only enter positive quantities.');
    if (isStorable(env, s['product_id']) && strictAvailable(env, s) < num(s['scrap_qty']) - EPS) {
      const uom = typeof s['product_uom_id'] === 'number' ? env.store.get('uom.uom', s['product_uom_id']) : undefined;
      return {
        name: `${String(product(env, s['product_id'])?.['name'] ?? '')} : Insufficient Quantity To Scrap`,
        view_mode: 'form',
        res_model: 'stock.warn.insufficient.qty.scrap',
        view_id: false,
        type: 'ir.actions.act_window',
        context: {
          ...env.context,
          default_product_id: s['product_id'],
          default_location_id: s['location_id'],
          default_scrap_id: s['id'],
          default_quantity: num(s['scrap_qty']),
          default_product_uom_name: uom?.['name'] ?? false,
        },
        target: 'new',
      };
    }
    return doScrap(env, [s['id'] as number]);
  }),
  do_scrap: rec((_s, _m, ids, _a, env) => doScrap(env, ids as number[])),
};
