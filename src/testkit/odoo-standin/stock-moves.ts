// stock.move and stock.move.line (17-19 semantics, stock_move.py / stock_move_line.py): one
// `quantity` per line that is the reservation until the move is done and the moved quantity
// after, `picked` that says which of it counts at validation, and the move's quantity = the sum of
// its lines. Writing move.quantity rewrites lines (top up / shrink newest first), writing
// move.picked copies the flag to every line; a line on a done move posts its quants at once.
import { userError, validationError } from './errors.js';
import type { ComputeDef, Env, ModelHooks } from './model-hooks.js';
import type { QuantKey } from './stock-quants.js';
import {
  EPS,
  availableQuants,
  bypassesReservation,
  isStorable,
  product,
  productName,
  roundQty,
  updateAvailable,
  updateReserved,
} from './stock-quants.js';
import type { Row } from './store.js';

const OPEN = new Set(['confirmed', 'waiting', 'partially_available', 'assigned']);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const id = (v: unknown): number | false => (typeof v === 'number' ? v : false);

export function move(env: Env, moveId: number): Row {
  return env.store.get('stock.move', moveId);
}

export function linesOf(env: Env, moveId: number): Row[] {
  return env.store.rows('stock.move.line', (l) => l['move_id'] === moveId).sort((a, b) => num(a['id']) - num(b['id']));
}

/** stock.move._should_bypass_reservation: virtual source location or a non-storable product. */
export function moveBypasses(env: Env, m: Row): boolean {
  return bypassesReservation(env, m['location_id']) || !isStorable(env, m['product_id']);
}

function keyOf(l: Row, locationField: 'location_id' | 'location_dest_id' = 'location_id'): QuantKey {
  return {
    productId: l['product_id'] as number,
    locationId: l[locationField] as number,
    lotId: id(l['lot_id']),
    packageId: id(locationField === 'location_id' ? l['package_id'] : l['result_package_id']),
    ownerId: id(l['owner_id']),
  };
}

function lineReserves(env: Env, l: Row): boolean {
  const m = typeof l['move_id'] === 'number' ? move(env, l['move_id']) : undefined;
  if (m !== undefined) return !moveBypasses(env, m) && m['state'] !== 'done';
  return isStorable(env, l['product_id']) && !bypassesReservation(env, l['location_id']);
}

/** Keeps the move's stored quantity, picked and state in line with its lines (Odoo's computes). */
export function syncMove(env: Env, moveId: number): void {
  const m = move(env, moveId);
  const lines = linesOf(env, moveId);
  const quantity = roundQty(lines.reduce((s, l) => s + num(l['quantity']), 0));
  const patch: Row = { quantity };
  const anyPicked = lines.some((l) => l['picked'] === true);
  // 18/19 flip picked back to False when lines exist and none is picked; the 17 compute only sets True.
  if (m['state'] === 'done') patch['picked'] = true;
  else if (anyPicked) patch['picked'] = true;
  else if (env.version >= 18 && lines.length > 0) patch['picked'] = false;
  const state = m['state'];
  if (typeof state === 'string' && OPEN.has(state) && state !== 'waiting') {
    const demand = num(m['product_uom_qty']);
    patch['state'] =
      quantity + EPS >= demand && demand > 0
        ? 'assigned'
        : quantity > EPS
          ? 'partially_available'
          : moveBypasses(env, m) && demand > 0
            ? 'assigned'
            : 'confirmed';
    if (demand <= EPS && quantity <= EPS) patch['state'] = 'assigned';
  }
  env.store.update('stock.move', moveId, patch, env);
  if (typeof m['picking_id'] === 'number') recomputePickingState(env, m['picking_id']);
}

/** stock.picking._compute_state, from its moves. */
export function recomputePickingState(env: Env, pickingId: number): void {
  if (!env.store.has('stock.picking', pickingId)) return;
  const moves = env.store.rows('stock.move', (m) => m['picking_id'] === pickingId);
  const picking = env.store.get('stock.picking', pickingId);
  const states = moves.map((m) => String(m['state']));
  let state: string;
  if (moves.length === 0 || states.includes('draft')) state = 'draft';
  else if (states.every((s) => s === 'cancel')) state = 'cancel';
  else if (states.every((s) => s === 'done' || s === 'cancel')) state = 'done';
  else {
    const open = states.filter((s) => s !== 'done' && s !== 'cancel');
    const direct = picking['move_type'] !== 'one';
    if (open.every((s) => s === 'assigned')) state = 'assigned';
    else if (direct && open.some((s) => s === 'assigned' || s === 'partially_available')) state = 'assigned';
    else if (open.every((s) => s === 'waiting')) state = 'waiting';
    else state = 'confirmed';
  }
  if (picking['state'] !== state) env.store.update('stock.picking', pickingId, { state }, env);
}

/** Free quantity of the quants matching a line's key (strict: same lot, package and owner). */
function freeFor(env: Env, m: Row, lot: unknown, pkg: unknown, owner: unknown): Row[] {
  return availableQuants(env, m['product_id'] as number, m['location_id'] as number).filter(
    (q) => id(q['lot_id']) === id(lot) && id(q['package_id']) === id(pkg) && id(q['owner_id']) === id(owner),
  );
}

/**
 * Sets a move's quantity through its lines (stock_move.py `_set_quantity`): an increase first tops
 * up lines from quants of their own lot, then reserves other quants on new lines, and puts what
 * is left on a line without lot (one per unit for serials); a decrease shrinks or deletes lines,
 * newest first (context unreserve_unpicked_only spares picked lines).
 */
export function setMoveQuantity(env: Env, moveId: number, target: number): void {
  const m = move(env, moveId);
  if (m['state'] === 'cancel') throw userError('You cannot change a cancelled stock move, create a new line instead.');
  const lines = linesOf(env, moveId);
  const current = lines.reduce((s, l) => s + num(l['quantity']), 0);
  if (target > current + EPS) {
    let qty = roundQty(target);
    const consumed = new Set<number>();
    const reserving = !moveBypasses(env, m) && m['state'] !== 'done';
    for (const l of lines) {
      const taken = Math.min(qty, num(l['quantity']));
      qty = roundQty(qty - taken);
      if (qty <= EPS || !reserving) continue;
      const quants = freeFor(env, m, l['lot_id'], l['package_id'], l['owner_id']);
      for (const q of quants) consumed.add(q['id'] as number);
      const avail = roundQty(quants.reduce((s, q) => s + num(q['quantity']) - num(q['reserved_quantity']), 0));
      if (avail > EPS && avail <= qty + EPS) {
        qty = roundQty(qty - avail);
        env.store.write('stock.move.line', [l['id']], { quantity: roundQty(num(l['quantity']) + avail) }, env);
      }
    }
    if (reserving)
      for (const q of availableQuants(env, m['product_id'] as number, m['location_id'] as number)) {
        if (qty <= EPS) break;
        if (consumed.has(q['id'] as number)) continue;
        const take = roundQty(Math.min(qty, num(q['quantity']) - num(q['reserved_quantity'])));
        if (take <= EPS) continue;
        const fromQuant = {
          location_id: q['location_id'],
          lot_id: q['lot_id'] ?? false,
          package_id: q['package_id'] ?? false,
          owner_id: q['owner_id'] ?? false,
        };
        env.store.create('stock.move.line', [lineValsOf(env, m, take, fromQuant)], env);
        qty = roundQty(qty - take);
      }
    if (qty > EPS) {
      const serial = product(env, m['product_id'])?.['tracking'] === 'serial';
      const count = serial ? Math.trunc(qty) : 1;
      for (let i = 0; i < count; i += 1)
        env.store.create('stock.move.line', [lineValsOf(env, m, serial ? 1 : qty)], env);
    }
  } else if (target < current - EPS) {
    let dec = roundQty(current - target);
    const unpickedOnly = env.context['unreserve_unpicked_only'] === true;
    for (const l of [...lines].reverse()) {
      if (dec <= EPS) break;
      if (unpickedOnly && l['picked'] === true) continue;
      const q = num(l['quantity']);
      const take = Math.min(q, dec);
      if (take <= EPS) continue;
      if (Math.abs(take - q) < EPS && m['state'] !== 'done') env.store.unlink('stock.move.line', [l['id']], env);
      else env.store.write('stock.move.line', [l['id']], { quantity: roundQty(q - take) }, env);
      dec = roundQty(dec - take);
    }
  }
  syncMove(env, moveId);
}

export function lineValsOf(env: Env, m: Row, quantity: number, extra: Row = {}): Row {
  return {
    move_id: m['id'],
    product_id: m['product_id'],
    product_uom_id: m['product_uom'] ?? product(env, m['product_id'])?.['uom_id'],
    location_id: m['location_id'],
    location_dest_id: m['location_dest_id'],
    picking_id: m['picking_id'] ?? false,
    company_id: m['company_id'],
    quantity,
    ...extra,
  };
}

/** stock.move._action_assign: reserve what is on hand under the source location (or all, when bypassing). */
export function assignMoves(env: Env, moveIds: readonly number[]): void {
  for (const moveId of moveIds) {
    const m = move(env, moveId);
    if (m['picked'] === true || !['confirmed', 'waiting', 'partially_available'].includes(String(m['state']))) continue;
    const need = roundQty(num(m['product_uom_qty']) - linesOf(env, moveId).reduce((s, l) => s + num(l['quantity']), 0));
    if (need <= EPS) {
      syncMove(env, moveId);
      continue;
    }
    if (moveBypasses(env, m)) {
      env.store.create('stock.move.line', [lineValsOf(env, m, need)], env);
    } else {
      let left = need;
      for (const q of availableQuants(env, m['product_id'] as number, m['location_id'] as number)) {
        if (left <= EPS) break;
        const take = roundQty(Math.min(left, num(q['quantity']) - num(q['reserved_quantity'])));
        if (take <= EPS) continue;
        env.store.create(
          'stock.move.line',
          [
            lineValsOf(env, m, take, {
              location_id: q['location_id'],
              lot_id: q['lot_id'] ?? false,
              package_id: q['package_id'] ?? false,
              owner_id: q['owner_id'] ?? false,
            }),
          ],
          env,
        );
        left = roundQty(left - take);
      }
    }
    // mrp's _action_assign: the lines of an MO's moves name the component's production and work order.
    if (typeof m['raw_material_production_id'] === 'number' || typeof m['production_id'] === 'number')
      for (const l of linesOf(env, moveId))
        env.store.update(
          'stock.move.line',
          l['id'] as number,
          { production_id: m['raw_material_production_id'] ?? false, workorder_id: m['workorder_id'] ?? false },
          env,
        );
    syncMove(env, moveId);
  }
}

/** stock.move._action_confirm: draft -> confirmed, then reserve at once when the type says so. */
export function confirmMoves(env: Env, moveIds: readonly number[]): void {
  const toAssign: number[] = [];
  for (const moveId of moveIds) {
    const m = move(env, moveId);
    if (m['state'] !== 'draft') continue;
    env.store.update('stock.move', moveId, { state: 'confirmed' }, env);
    const type =
      typeof m['picking_type_id'] === 'number' ? env.store.get('stock.picking.type', m['picking_type_id']) : undefined;
    if (moveBypasses(env, m) || type === undefined || type['reservation_method'] === 'at_confirm')
      toAssign.push(moveId);
  }
  assignMoves(env, toAssign);
  for (const moveId of moveIds) syncMove(env, moveId);
}

export function cancelMoves(env: Env, moveIds: readonly number[]): void {
  for (const moveId of moveIds) {
    const m = move(env, moveId);
    if (m['state'] === 'done')
      throw userError(
        "You cannot cancel a stock move that has been set to 'Done'. " +
          'Create a return in order to reverse the moves which took place.',
      );
    if (m['state'] === 'cancel') continue;
    for (const l of linesOf(env, moveId)) env.store.unlink('stock.move.line', [l['id']], env);
    env.store.update('stock.move', moveId, { state: 'cancel', picked: false, quantity: 0 }, env);
    if (typeof m['picking_id'] === 'number') recomputePickingState(env, m['picking_id']);
  }
}

/** Posts one line (stock_move_line.py `_action_done`): unreserve at the source, move the quantity. */
export function postLine(env: Env, l: Row): void {
  const qty = num(l['quantity']);
  if (lineReserves(env, l)) updateReserved(env, keyOf(l), -qty);
  updateAvailable(env, keyOf(l), -qty);
  updateAvailable(env, keyOf(l, 'location_dest_id'), qty);
  env.store.update('stock.move.line', l['id'] as number, { date: env.store.nowString() }, env);
}

const lineComputes: readonly ComputeDef[] = [
  {
    field: 'product_uom_id',
    depends: ['product_id', 'move_id'],
    compute: (env, r) =>
      (typeof r['move_id'] === 'number' ? move(env, r['move_id'])['product_uom'] : undefined) ??
      product(env, r['product_id'])?.['uom_id'] ??
      false,
  },
  {
    field: 'location_id',
    depends: ['move_id', 'picking_id'],
    compute: (env, r) =>
      typeof r['move_id'] === 'number'
        ? move(env, r['move_id'])['location_id']
        : typeof r['picking_id'] === 'number'
          ? env.store.get('stock.picking', r['picking_id'])['location_id']
          : false,
  },
  {
    field: 'location_dest_id',
    depends: ['move_id', 'picking_id'],
    compute: (env, r) =>
      typeof r['move_id'] === 'number'
        ? move(env, r['move_id'])['location_dest_id']
        : typeof r['picking_id'] === 'number'
          ? env.store.get('stock.picking', r['picking_id'])['location_dest_id']
          : false,
  },
  { field: 'quantity_product_uom', depends: ['quantity'], compute: (_env, r) => num(r['quantity']) },
];

export const moveLineHooks: ModelHooks = {
  beforeCreate(env, vals) {
    if (typeof vals['move_id'] === 'number' && env.store.has('stock.move', vals['move_id'])) {
      const m = move(env, vals['move_id']);
      vals['company_id'] = m['company_id'];
      if (!('picked' in vals)) vals['picked'] = m['picked'] === true;
      if (!('product_id' in vals)) vals['product_id'] = m['product_id'];
      if (!('picking_id' in vals) && typeof m['picking_id'] === 'number') vals['picking_id'] = m['picking_id'];
    } else if (typeof vals['picking_id'] === 'number' && env.store.has('stock.picking', vals['picking_id'])) {
      vals['company_id'] = env.store.get('stock.picking', vals['picking_id'])['company_id'];
    }
  },
  defaults: { company_id: (env) => env.companyId },
  computes: lineComputes,
  afterCreate(env, lineId) {
    let l = env.store.get('stock.move.line', lineId);
    if (typeof l['move_id'] !== 'number' && typeof l['picking_id'] === 'number') {
      // A line made on the picking is attached to a move of its product there, or gets a new move.
      const pickingId = l['picking_id'];
      const candidates = env.store
        .rows('stock.move', (m) => m['picking_id'] === pickingId && m['product_id'] === l['product_id'])
        .sort(
          (a, b) =>
            Number(num(a['quantity']) >= num(a['product_uom_qty'])) -
            Number(num(b['quantity']) >= num(b['product_uom_qty'])),
        );
      const picking = env.store.get('stock.picking', pickingId);
      const target = candidates[0]?.['id'] ?? env.store.create('stock.move', [newMoveForLine(env, l, picking)], env)[0];
      env.store.update('stock.move.line', lineId, { move_id: target }, env);
      l = env.store.get('stock.move.line', lineId);
    }
    const m = typeof l['move_id'] === 'number' ? move(env, l['move_id']) : undefined;
    if (m?.['state'] === 'done') postLine(env, l);
    else if (num(l['quantity']) > EPS && lineReserves(env, l)) updateReserved(env, keyOf(l), num(l['quantity']));
    if (m !== undefined) syncMove(env, m['id'] as number);
  },
  beforeWrite(env, ids, vals) {
    for (const lineId of ids) {
      const l = env.store.get('stock.move.line', lineId);
      const state = typeof l['move_id'] === 'number' ? move(env, l['move_id'])['state'] : 'draft';
      if ('product_id' in vals && vals['product_id'] !== l['product_id'] && state !== 'draft')
        throw userError("Changing the product is only allowed in 'Draft' state.");
      // Take the old reservation / posting back; afterWrite puts the new one in place.
      if (state === 'done') {
        updateAvailable(env, keyOf(l), num(l['quantity']));
        updateAvailable(env, keyOf(l, 'location_dest_id'), -num(l['quantity']));
      } else if (lineReserves(env, l)) updateReserved(env, keyOf(l), -num(l['quantity']));
    }
  },
  afterWrite(env, ids) {
    const moves = new Set<number>();
    for (const lineId of ids) {
      const l = env.store.get('stock.move.line', lineId);
      const m = typeof l['move_id'] === 'number' ? move(env, l['move_id']) : undefined;
      if (m?.['state'] === 'done') {
        updateAvailable(env, keyOf(l), -num(l['quantity']));
        updateAvailable(env, keyOf(l, 'location_dest_id'), num(l['quantity']));
      } else if (lineReserves(env, l)) updateReserved(env, keyOf(l), num(l['quantity']));
      if (m !== undefined) moves.add(m['id'] as number);
    }
    for (const m of moves) syncMove(env, m);
  },
  beforeUnlink(env, ids) {
    for (const lineId of ids) {
      const l = env.store.get('stock.move.line', lineId);
      const m = typeof l['move_id'] === 'number' ? move(env, l['move_id']) : undefined;
      if (m !== undefined && (m['state'] === 'done' || m['state'] === 'cancel'))
        throw userError(
          'You can not delete product moves if the picking is done. You can only correct the done quantities.',
        );
      if (lineReserves(env, l)) updateReserved(env, keyOf(l), -num(l['quantity']));
    }
  },
  constrain(env, ids) {
    for (const lineId of ids) {
      if (!env.store.has('stock.move.line', lineId)) continue;
      const l = env.store.get('stock.move.line', lineId);
      if (num(l['quantity']) < 0) throw validationError('You can not enter negative quantities.');
      if (typeof l['lot_id'] === 'number') {
        const lot = env.store.get('stock.lot', l['lot_id']);
        if (lot['product_id'] !== l['product_id'])
          throw validationError(
            `This lot ${String(lot['name'])} is incompatible with this product ${productName(env, l['product_id'])}`,
          );
      }
    }
  },
};

function newMoveForLine(env: Env, l: Row, picking: Row): Row {
  return {
    ...(env.version <= 18 ? { name: productName(env, l['product_id']) } : {}),
    product_id: l['product_id'],
    product_uom_qty: picking['state'] === 'done' ? num(l['quantity']) : 0,
    product_uom: l['product_uom_id'],
    location_id: l['location_id'] ?? picking['location_id'],
    location_dest_id: l['location_dest_id'] ?? picking['location_dest_id'],
    picking_id: picking['id'],
    state: picking['state'] === 'done' ? 'done' : picking['state'] === 'draft' ? 'draft' : 'confirmed',
    additional: true,
  };
}
