// mrp.production addenda (mrp_production.py, 17.0 and 19.0 copies): component moves from the BoM
// and the finished move, action_confirm / action_assign, set_qty_producing (the public twin of
// the qty_producing onchange), action_generate_serial, and lot_producing_id (17/18) versus
// lot_producing_ids (19). button_mark_done lives in mrp-mark-done.ts.
import { MRP_SERIALS, xmlAction } from './actions.js';
import { userError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import { assignMoves, cancelMoves, confirmMoves, linesOf, setMoveQuantity } from './stock-moves.js';
import { setPicked } from './stock-move-hooks.js';
import { product, roundQty, tracking } from './stock-quants.js';
import type { Row } from './store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export const mo = (env: Env, id: number): Row => env.store.get('mrp.production', id);
export const rawMoves = (env: Env, id: number): Row[] =>
  env.store
    .rows('stock.move', (m) => m['raw_material_production_id'] === id)
    .sort((a, b) => num(a['id']) - num(b['id']));
export const finishedMoves = (env: Env, id: number): Row[] =>
  env.store.rows('stock.move', (m) => m['production_id'] === id).sort((a, b) => num(a['id']) - num(b['id']));

/** The MO's finished lots: lot_producing_id (17/18) or lot_producing_ids (19). */
export function producingLots(env: Env, p: Row): number[] {
  if (env.version >= 19) return Array.isArray(p['lot_producing_ids']) ? (p['lot_producing_ids'] as number[]) : [];
  return typeof p['lot_producing_id'] === 'number' ? [p['lot_producing_id']] : [];
}

/** qty_produced: picked quantity of the non-cancelled finished moves of the main product. */
export function qtyProduced(env: Env, p: Row): number {
  return roundQty(
    finishedMoves(env, p['id'] as number)
      .filter((m) => m['product_id'] === p['product_id'] && m['state'] !== 'cancel' && m['picked'] === true)
      .reduce((s, m) => s + num(m['quantity']), 0),
  );
}

export function manufacturingType(env: Env, companyId?: unknown): Row | undefined {
  return env.store.rows(
    'stock.picking.type',
    (t) => t['code'] === 'mrp_operation' && (companyId === undefined || t['company_id'] === companyId),
  )[0];
}

function productionLocation(env: Env, companyId: unknown): number | false {
  const loc = env.store.rows(
    'stock.location',
    (l) => l['usage'] === 'production' && (l['company_id'] === companyId || l['company_id'] === false),
  )[0];
  return (loc?.['id'] as number | undefined) ?? false;
}

function bomOf(env: Env, p: Row): Row | undefined {
  return typeof p['bom_id'] === 'number' ? env.store.get('mrp.bom', p['bom_id']) : undefined;
}

function createMoves(env: Env, productionId: number): void {
  const p = mo(env, productionId);
  const bom = bomOf(env, p);
  const named = (name: unknown): Row => (env.version <= 18 ? { name } : {});
  const common = {
    company_id: p['company_id'],
    picking_type_id: p['picking_type_id'],
    origin: p['name'],
    date: p['date_start'],
  };
  if (bom !== undefined && rawMoves(env, productionId).length === 0) {
    const factor = num(p['product_qty']) / (num(bom['product_qty']) || 1);
    const lines = env.store.rows('mrp.bom.line', (l) => l['bom_id'] === bom['id']);
    for (const line of lines)
      env.store.create(
        'stock.move',
        [
          {
            ...named(p['name']),
            ...common,
            product_id: line['product_id'],
            product_uom: line['product_uom_id'],
            product_uom_qty: roundQty(num(line['product_qty']) * factor),
            location_id: p['location_src_id'],
            location_dest_id: p['production_location_id'],
            raw_material_production_id: productionId,
            bom_line_id: line['id'],
            procure_method: 'make_to_stock',
          },
        ],
        env,
      );
  }
  if (typeof p['product_id'] === 'number' && finishedMoves(env, productionId).length === 0)
    env.store.create(
      'stock.move',
      [
        {
          ...named(p['name']),
          ...common,
          product_id: p['product_id'],
          product_uom: p['product_uom_id'],
          product_uom_qty: num(p['product_qty']),
          location_id: p['production_location_id'],
          location_dest_id: p['location_dest_id'],
          production_id: productionId,
          procure_method: 'make_to_stock',
        },
      ],
      env,
    );
}

export const productionHooks: ModelHooks = {
  beforeCreate(env, vals) {
    if (vals['name'] === undefined || vals['name'] === false || vals['name'] === 'New') {
      const type =
        typeof vals['picking_type_id'] === 'number' && env.store.has('stock.picking.type', vals['picking_type_id'])
          ? env.store.get('stock.picking.type', vals['picking_type_id'])
          : manufacturingType(env, vals['company_id'] ?? env.companyId);
      if (type !== undefined) {
        vals['picking_type_id'] ??= type['id'];
        vals['name'] = env.store.nextSequence(
          `stock.picking.type.${String(type['id'])}`,
          `WH/${String(type['sequence_code'])}/`,
          5,
        );
      }
    }
  },
  defaults: { state: () => 'draft', consumption: () => 'flexible', user_id: (env) => env.uid },
  computes: [
    {
      field: 'product_id',
      depends: ['bom_id'],
      compute: (env, r) => r['product_id'] ?? bomOf(env, r)?.['product_id'] ?? false,
    },
    {
      field: 'product_uom_id',
      depends: ['product_id', 'bom_id'],
      compute: (env, r) => bomOf(env, r)?.['product_uom_id'] ?? product(env, r['product_id'])?.['uom_id'] ?? false,
    },
    {
      field: 'picking_type_id',
      depends: ['bom_id', 'company_id'],
      compute: (env, r) =>
        bomOf(env, r)?.['picking_type_id'] || manufacturingType(env, r['company_id'])?.['id'] || false,
    },
    {
      field: 'location_src_id',
      depends: ['picking_type_id'],
      compute: (env, r) =>
        env.store.has('stock.picking.type', r['picking_type_id'])
          ? env.store.get('stock.picking.type', r['picking_type_id'] as number)['default_location_src_id']
          : false,
    },
    {
      field: 'location_dest_id',
      depends: ['picking_type_id'],
      compute: (env, r) =>
        env.store.has('stock.picking.type', r['picking_type_id'])
          ? env.store.get('stock.picking.type', r['picking_type_id'] as number)['default_location_dest_id']
          : false,
    },
    {
      field: 'production_location_id',
      depends: ['company_id'],
      compute: (env, r) => productionLocation(env, r['company_id'] ?? env.companyId),
    },
    { field: 'product_uom_qty', depends: ['product_qty'], compute: (_env, r) => num(r['product_qty']) },
  ],
  reads: {
    qty_produced: (env, r) => qtyProduced(env, r),
    duration: () => 0,
    duration_expected: () => 0,
    scrap_count: (env, r) => env.store.rows('stock.scrap', (s) => s['production_id'] === r['id']).length,
    move_byproduct_ids: (env, r) =>
      finishedMoves(env, r['id'] as number)
        .filter((m) => m['product_id'] !== r['product_id'])
        .map((m) => m['id']),
    maintenance_count: (env, r) => env.store.rows('maintenance.request', (q) => q['production_id'] === r['id']).length,
  },
  afterCreate(env, id) {
    createMoves(env, id);
  },
  beforeWrite(env, ids, vals) {
    for (const id of ids) {
      const p = mo(env, id);
      if ('product_id' in vals && p['state'] !== 'draft') delete vals['product_id'];
      if ('date_start' in vals && env.context['force_date'] !== true && ['done', 'cancel'].includes(String(p['state'])))
        throw userError('You cannot move a manufacturing order once it is cancelled or done.');
    }
  },
  afterWrite(env, ids, vals) {
    for (const id of ids) {
      const p = mo(env, id);
      // On a done MO, qty_producing rewrites the finished move's quantity.
      if (p['state'] === 'done' && 'qty_producing' in vals)
        for (const m of finishedMoves(env, id))
          if (m['product_id'] === p['product_id'] && m['state'] === 'done')
            setMoveQuantity(env, m['id'] as number, num(vals['qty_producing']));
      // Writing the finished lot on a done MO rewrites the lot of the finished move lines (17/18).
      if (p['state'] === 'done' && 'lot_producing_id' in vals)
        for (const m of finishedMoves(env, id))
          if (m['product_id'] === p['product_id'])
            for (const l of linesOf(env, m['id'] as number))
              env.store.write('stock.move.line', [l['id']], { lot_id: vals['lot_producing_id'] }, env);
    }
  },
  beforeUnlink(env, ids) {
    cancelProductions(env, ids);
  },
  constrain(env, ids, fields) {
    if (env.version < 19 || !fields.has('lot_producing_ids')) return;
    for (const id of ids) {
      const p = mo(env, id);
      if (tracking(env, p['product_id']) === 'lot' && producingLots(env, p).length > 1)
        throw userError('You cannot set more than 1 lot');
    }
  },
};

const firstUom = (env: Env): number | false => (env.store.rows('uom.uom')[0]?.['id'] as number | undefined) ?? false;

/** mrp.bom / mrp.bom.line: the unit defaults to the product's (`_get_default_product_uom_id`). */
export const bomHooks: ModelHooks = {
  defaults: {
    product_uom_id: (env, vals) => {
      const tmpl = vals['product_tmpl_id'];
      const variant = env.store.rows('product.product', (p) => p['product_tmpl_id'] === tmpl)[0];
      return product(env, vals['product_id'])?.['uom_id'] ?? variant?.['uom_id'] ?? firstUom(env);
    },
  },
};
export const bomLineHooks: ModelHooks = {
  defaults: { product_uom_id: (env, vals) => product(env, vals['product_id'])?.['uom_id'] ?? firstUom(env) },
};

export function cancelProductions(env: Env, ids: readonly number[]): true {
  if (ids.some((id) => mo(env, id)['state'] === 'done'))
    throw userError('You cannot cancel a manufacturing order that is already done.');
  for (const id of ids) {
    const open = [...rawMoves(env, id), ...finishedMoves(env, id)].filter((m) => m['state'] !== 'done');
    cancelMoves(
      env,
      open.map((m) => m['id'] as number),
    );
    for (const wo of env.store.rows('mrp.workorder', (w) => w['production_id'] === id))
      if (wo['state'] !== 'done') env.store.update('mrp.workorder', wo['id'] as number, { state: 'cancel' }, env);
    env.store.update('mrp.production', id, { state: 'cancel' }, env);
  }
  return true;
}

/** mrp.production._set_qty_producing: components follow (qty_producing - qty_produced) x unit_factor. */
export function setQtyProducing(env: Env, productionId: number, pickManualConsumptionMoves: boolean): void {
  // 17.0 (18 assumed): a serial product is produced one unit at a time.
  if (env.version <= 18 && tracking(env, mo(env, productionId)['product_id']) === 'serial')
    if (num(mo(env, productionId)['qty_producing']) !== 1)
      env.store.update('mrp.production', productionId, { qty_producing: 1 }, env);
  const p = mo(env, productionId);
  for (const m of rawMoves(env, productionId)) {
    if (m['state'] === 'done' || m['state'] === 'cancel') continue;
    if (m['picked'] === true && m['manual_consumption'] === true) continue;
    const newQty = roundQty((num(p['qty_producing']) - qtyProduced(env, p)) * num(m['unit_factor']));
    setMoveQuantity(env, m['id'] as number, newQty);
    const after = env.store.get('stock.move', m['id'] as number);
    if ((after['manual_consumption'] !== true || pickManualConsumptionMoves) && num(after['quantity']) > 0)
      setPicked(env, m['id'] as number, true);
  }
}

function newLot(env: Env, p: Row): number {
  return env.store.create(
    'stock.lot',
    [{ product_id: p['product_id'], company_id: p['company_id'] }],
    env,
  )[0] as number;
}

/** action_generate_serial, per version (facts: mrp.production addendum). */
export function generateSerial(env: Env, productionId: number): unknown {
  const p = mo(env, productionId);
  const t = tracking(env, p['product_id']);
  if (env.version <= 18) {
    env.store.write('mrp.production', [productionId], { lot_producing_id: newLot(env, p) }, env);
    if (t === 'serial') setQtyProducing(env, productionId, true);
    return null;
  }
  if (t === 'lot') {
    if (producingLots(env, p).length > 0) throw userError('You cannot set more than 1 lot per product');
    env.store.write('mrp.production', [productionId], { lot_producing_ids: [[4, newLot(env, p)]] }, env);
    return null;
  }
  if (t === 'serial') {
    if (num(p['product_qty']) === 1 && producingLots(env, p).length === 0) {
      env.store.write(
        'mrp.production',
        [productionId],
        { lot_producing_ids: [[4, newLot(env, p)]], qty_producing: 1 },
        env,
      );
      setQtyProducing(env, productionId, false);
      return null;
    }
    // Larger serial MOs get the serial-assignment wizard instead.
    return xmlAction(env, MRP_SERIALS, { default_production_id: productionId });
  }
  return null;
}

export function confirmProductions(env: Env, ids: readonly number[]): true {
  for (const id of ids) {
    const p = mo(env, id);
    const bom = bomOf(env, p);
    if (bom !== undefined) env.store.update('mrp.production', id, { consumption: bom['consumption'] }, env);
    confirmMoves(
      env,
      [...rawMoves(env, id), ...finishedMoves(env, id)]
        .filter((m) => m['state'] === 'draft')
        .map((m) => m['id'] as number),
    );
    if (mo(env, id)['state'] === 'draft') env.store.update('mrp.production', id, { state: 'confirmed' }, env);
  }
  return true;
}

const rec = (params: readonly string[], run: MethodDef['run']): MethodDef => ({ params, onRecords: true, run });

function ensureOne(model: string, ids: readonly unknown[]): number {
  if (ids.length !== 1) throw userError(`Expected singleton: ${model}(${ids.join(', ')},)`);
  return ids[0] as number;
}

export const productionMethods: Readonly<Record<string, MethodDef>> = {
  action_confirm: rec([], (_s, _m, ids, _a, env) => confirmProductions(env, ids as number[])),
  action_assign: rec([], (_s, _m, ids, _a, env) => {
    for (const id of ids as number[])
      assignMoves(
        env,
        rawMoves(env, id).map((m) => m['id'] as number),
      );
    return true;
  }),
  action_cancel: rec([], (_s, _m, ids, _a, env) => cancelProductions(env, ids as number[])),
  // None, or (19, serial MO of more than one unit) the serial-assignment wizard.
  action_generate_serial: rec(['workorder'], (_s, model, ids, _a, env) => generateSerial(env, ensureOne(model, ids))),
  // Returns None (JSON-RPC: no `result`).
  set_qty_producing: rec([], (_s, model, ids, _a, env) => {
    const id = ensureOne(model, ids);
    setQtyProducing(env, id, false);
    return null;
  }),
  do_unreserve: rec([], (_s, _m, ids, _a, env) => {
    for (const id of ids as number[])
      for (const m of [...rawMoves(env, id), ...finishedMoves(env, id)])
        if (!['done', 'cancel'].includes(String(m['state'])))
          for (const l of linesOf(env, m['id'] as number)) env.store.unlink('stock.move.line', [l['id']], env);
    return null;
  }),
};
