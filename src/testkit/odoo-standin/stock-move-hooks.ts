// stock.move's ORM behaviour: computed defaults (unit, locations from the picking or the MO on
// 18/19 - plain required fields on 17 -, picking type, reference), the quantity and picked
// inverses, auto-confirmation of moves added to an open picking or MO, and its write refusals.
import { userError, validationError } from './errors.js';
import type { ComputeDef, Env, ModelHooks } from './model-hooks.js';
import { confirmMoves, linesOf, move, recomputePickingState, setMoveQuantity, syncMove } from './stock-moves.js';
import { product, productName } from './stock-quants.js';
import type { Row } from './store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const rowOf = (env: Env, model: string, id: unknown): Row | undefined =>
  typeof id === 'number' && env.store.has(model, id) ? env.store.get(model, id) : undefined;

/** The MO of a component (raw) or finished move. */
export function productionOf(env: Env, m: Row): Row | undefined {
  return (
    rowOf(env, 'mrp.production', m['raw_material_production_id']) ?? rowOf(env, 'mrp.production', m['production_id'])
  );
}

function locationFrom(env: Env, r: Row, which: 'location_id' | 'location_dest_id'): unknown {
  // 17.0: plain required fields (no compute): a move without them fails with NOT NULL.
  if (env.version === 17) return r[which];
  const picking = rowOf(env, 'stock.picking', r['picking_id']);
  if (picking !== undefined) return picking[which];
  const raw = rowOf(env, 'mrp.production', r['raw_material_production_id']);
  if (raw !== undefined) return which === 'location_id' ? raw['location_src_id'] : raw['production_location_id'];
  const fin = rowOf(env, 'mrp.production', r['production_id']);
  if (fin !== undefined) return which === 'location_id' ? fin['production_location_id'] : fin['location_dest_id'];
  const type = rowOf(env, 'stock.picking.type', r['picking_type_id']);
  if (type !== undefined) return type[which === 'location_id' ? 'default_location_src_id' : 'default_location_dest_id'];
  return r[which];
}

const computes: readonly ComputeDef[] = [
  {
    field: 'product_uom',
    depends: ['product_id'],
    compute: (env, r) => product(env, r['product_id'])?.['uom_id'] ?? false,
  },
  { field: 'product_qty', depends: ['product_uom_qty'], compute: (_env, r) => num(r['product_uom_qty']) },
  {
    field: 'picking_type_id',
    depends: ['picking_id', 'raw_material_production_id', 'production_id'],
    compute: (env, r) =>
      rowOf(env, 'stock.picking', r['picking_id'])?.['picking_type_id'] ??
      productionOf(env, r)?.['picking_type_id'] ??
      r['picking_type_id'] ??
      false,
  },
  {
    field: 'location_id',
    depends: ['picking_id', 'raw_material_production_id', 'production_id'],
    compute: (env, r) => locationFrom(env, r, 'location_id'),
  },
  {
    field: 'location_dest_id',
    depends: ['picking_id', 'raw_material_production_id', 'production_id'],
    compute: (env, r) => locationFrom(env, r, 'location_dest_id'),
  },
  {
    field: 'reference',
    depends: ['picking_id', 'raw_material_production_id', 'production_id', 'name'],
    compute: (env, r) =>
      rowOf(env, 'stock.picking', r['picking_id'])?.['name'] ??
      productionOf(env, r)?.['name'] ??
      r['name'] ??
      productName(env, r['product_id']),
  },
  {
    field: 'unit_factor',
    depends: ['product_uom_qty', 'raw_material_production_id', 'production_id'],
    compute: (env, r) => {
      const mo = productionOf(env, r);
      if (mo === undefined) return 1;
      const left =
        num(mo['product_qty']) - num(env.store.valueOf(env.store.model('mrp.production'), mo, 'qty_produced'));
      return num(r['product_uom_qty']) / (left || 1);
    },
  },
  { field: 'manual_consumption', depends: ['bom_line_id', 'product_id'], compute: manualConsumption },
];

/**
 * stock.move._compute_manual_consumption (mrp), read in each version's source:
 * 17  (draft only) a tracked component unless the type consumes lots automatically
 *     (use_auto_consume_components_lots, default False: not modelled), or an untracked one whose BoM
 *     line says manual_consumption;
 * 18  once True it stays; else the BoM line's manual_consumption or its operation;
 * 19  once True it stays; else the BoM line's operation (the line has no manual_consumption).
 * Operations (mrp.routing.workcenter) are not modelled, so on 19 it is True only when written.
 */
function manualConsumption(env: Env, r: Row): boolean {
  if (r['manual_consumption'] === true) return true;
  const line = rowOf(env, 'mrp.bom.line', r['bom_line_id']);
  if (env.version === 17) {
    if (r['state'] !== undefined && r['state'] !== 'draft') return false;
    const tracked = (product(env, r['product_id'])?.['tracking'] ?? 'none') !== 'none';
    return tracked || line?.['manual_consumption'] === true;
  }
  return env.version === 18 && line?.['manual_consumption'] === true;
}

export const moveHooks: ModelHooks = {
  defaults: { company_id: (env, vals) => productionOf(env, vals)?.['company_id'] ?? env.companyId },
  computes,
  afterCreate(env, moveId, inverses) {
    const m = move(env, moveId);
    if (typeof inverses['quantity'] === 'number') setMoveQuantity(env, moveId, inverses['quantity']);
    if (typeof inverses['picked'] === 'boolean') setPicked(env, moveId, inverses['picked']);
    const picking = rowOf(env, 'stock.picking', m['picking_id']);
    const mo = productionOf(env, m);
    const quantity = num(move(env, moveId)['quantity']);
    // picking._autoconfirm_picking / mrp.production._autoconfirm_production
    const openPicking = picking !== undefined && !['draft', 'done', 'cancel'].includes(String(picking['state']));
    const openMo = mo !== undefined && !['draft', 'done', 'cancel'].includes(String(mo['state']));
    if (m['state'] === 'draft' && ((openPicking && (m['additional'] === true || quantity > 0)) || openMo))
      confirmMoves(env, [moveId]);
    if (picking !== undefined) recomputePickingState(env, picking['id'] as number);
  },
  beforeWrite(env, ids, vals) {
    for (const moveId of ids) {
      const m = move(env, moveId);
      if (('quantity' in vals || 'product_uom_qty' in vals) && m['state'] === 'cancel')
        throw userError('You cannot change a cancelled stock move, create a new line instead.');
      if ('product_uom' in vals && m['state'] === 'done')
        throw userError("You cannot change the UoM for a stock move that has been set to 'Done'.");
    }
    if ('product_qty' in vals)
      throw userError(
        'The requested operation cannot be processed because of a programming error setting the ' +
          '`product_qty` field instead of the `product_uom_qty`.',
      );
  },
  afterWrite(env, ids, vals, inverses) {
    for (const moveId of ids) {
      if (typeof inverses['quantity'] === 'number') setMoveQuantity(env, moveId, inverses['quantity']);
      if (typeof inverses['picked'] === 'boolean') setPicked(env, moveId, inverses['picked']);
      if ('picking_id' in vals)
        for (const l of linesOf(env, moveId))
          env.store.update('stock.move.line', l['id'] as number, { picking_id: vals['picking_id'] ?? false }, env);
      if ('product_uom_qty' in vals || 'state' in vals) syncMove(env, moveId);
    }
  },
  beforeUnlink(env, ids) {
    for (const moveId of ids) for (const l of linesOf(env, moveId)) env.store.unlink('stock.move.line', [l['id']], env);
  },
  constrain(env, ids, fields) {
    if (!fields.has('quantity')) return;
    for (const moveId of ids) {
      const m = move(env, moveId);
      if (typeof m['raw_material_production_id'] === 'number' && num(m['quantity']) < 0)
        throw validationError('Please enter a positive quantity.');
    }
  },
};

/** stock.move picked inverse: the flag goes to every line. */
export function setPicked(env: Env, moveId: number, value: boolean): void {
  for (const l of linesOf(env, moveId)) env.store.update('stock.move.line', l['id'] as number, { picked: value }, env);
  env.store.update('stock.move', moveId, { picked: value }, env);
  syncMove(env, moveId);
}
