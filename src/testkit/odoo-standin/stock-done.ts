// Validation of moves (stock_move.py `_action_done`, stock_move_line.py `_action_done`): picked
// moves with a quantity are posted, unpicked lines dropped, zero or unpicked moves cancelled or
// left for the backorder, partial moves split; lots are checked (or created from lot_name when the
// operation type creates lots), quants move, serials are checked at the destination, and the
// picking gets its backorder.
import { userError } from './errors.js';
import type { Env } from './model-hooks.js';
import {
  assignMoves,
  cancelMoves,
  confirmMoves,
  linesOf,
  move,
  postLine,
  recomputePickingState,
  syncMove,
} from './stock-moves.js';
import { EPS, checkSerials, productName, roundQty, tracking } from './stock-quants.js';
import type { Row } from './store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function pickingTypeOf(env: Env, m: Row): Row | undefined {
  return typeof m['picking_type_id'] === 'number' && env.store.has('stock.picking.type', m['picking_type_id'])
    ? env.store.get('stock.picking.type', m['picking_type_id'])
    : undefined;
}

/** Lot checks of stock_move_line.py `_action_done`, resolving lot_name where the type creates lots. */
function checkLots(env: Env, lines: readonly Row[]): void {
  const missing: string[] = [];
  for (const l of lines) {
    if (num(l['quantity']) < -EPS) throw userError('No negative quantities allowed');
    if (num(l['quantity']) <= EPS || tracking(env, l['product_id']) === 'none' || typeof l['lot_id'] === 'number')
      continue;
    const m = move(env, l['move_id'] as number);
    const type = pickingTypeOf(env, m);
    if (type === undefined && m['is_inventory'] !== true && typeof m['scrap_id'] !== 'number') {
      missing.push(productName(env, l['product_id']));
      continue;
    }
    if (type === undefined || (type['use_create_lots'] !== true && type['use_existing_lots'] !== true)) continue;
    const lotName = l['lot_name'];
    if (type['use_create_lots'] === true && typeof lotName === 'string' && lotName !== '') {
      const company = l['company_id'];
      const found = env.store.rows(
        'stock.lot',
        (x) =>
          x['product_id'] === l['product_id'] &&
          x['name'] === lotName &&
          (x['company_id'] === false || x['company_id'] === undefined || x['company_id'] === company),
      )[0];
      const lotId =
        (found?.['id'] as number | undefined) ??
        env.store.create('stock.lot', [{ name: lotName, product_id: l['product_id'], company_id: company }], env)[0];
      env.store.update('stock.move.line', l['id'] as number, { lot_id: lotId }, env);
      continue;
    }
    missing.push(productName(env, l['product_id']));
  }
  if (missing.length > 0)
    throw userError(`You need to supply a Lot/Serial Number for product:\n${missing.map((p) => `- ${p}`).join('\n')}`);
}

/** Splits the undone part of a partially done move into a new confirmed move (stock.move._split). */
function splitRemainder(env: Env, m: Row): number | undefined {
  const left = roundQty(num(m['product_uom_qty']) - num(m['quantity']));
  if (left <= EPS) return undefined;
  env.store.update('stock.move', m['id'] as number, { product_uom_qty: num(m['quantity']) }, env);
  const copy: Row = {};
  for (const k of [
    'name',
    'product_id',
    'product_uom',
    'location_id',
    'location_dest_id',
    'picking_id',
    'picking_type_id',
    'company_id',
    'origin',
    'raw_material_production_id',
    'production_id',
    'workorder_id',
    'procure_method',
  ])
    if (m[k] !== undefined && m[k] !== false && env.store.model('stock.move').fields.has(k)) copy[k] = m[k];
  const [newId] = env.store.create('stock.move', [{ ...copy, product_uom_qty: left, state: 'draft' }], env);
  confirmMoves(env, [newId as number]);
  return newId;
}

/** stock.move._action_done. Returns the ids of the moves that were posted. */
export function moveActionDone(env: Env, moveIds: readonly number[], cancelBackorder: boolean): number[] {
  confirmMoves(
    env,
    moveIds.filter((id) => move(env, id)['state'] === 'draft'),
  );
  const moves = moveIds.filter((id) => !['done', 'cancel'].includes(String(move(env, id)['state'])));
  for (const id of moves) {
    const m = move(env, id);
    if (m['picked'] === true)
      for (const l of linesOf(env, id)) if (l['picked'] !== true) env.store.unlink('stock.move.line', [l['id']], env);
    syncMove(env, id);
    const after = move(env, id);
    if ((num(after['quantity']) <= EPS || after['picked'] !== true) && after['is_inventory'] !== true)
      if (num(after['product_uom_qty']) <= EPS || cancelBackorder) cancelMoves(env, [id]);
  }
  const todo = moves.filter((id) => {
    const m = move(env, id);
    return m['state'] !== 'cancel' && (num(m['quantity']) > EPS || m['is_inventory'] === true) && m['picked'] === true;
  });
  if (!cancelBackorder) for (const id of todo) splitRemainder(env, move(env, id));
  const lines = todo.flatMap((id) => linesOf(env, id));
  checkLots(env, lines);
  for (const l of lines) {
    if (num(l['quantity']) <= EPS && move(env, l['move_id'] as number)['is_inventory'] !== true) {
      env.store.unlink('stock.move.line', [l['id']], env);
      continue;
    }
    postLine(env, env.store.get('stock.move.line', l['id'] as number));
  }
  const now = env.store.nowString();
  for (const id of todo) env.store.update('stock.move', id, { state: 'done', date: now, picked: true }, env);
  for (const id of todo) {
    const m = move(env, id);
    const lots = linesOf(env, id)
      .map((l) => l['lot_id'])
      .filter((x): x is number => typeof x === 'number');
    checkSerials(env, m['product_id'] as number, lots, [m['location_dest_id'] as number]);
  }
  const pickings = new Set(
    [...moves].map((id) => move(env, id)['picking_id']).filter((p): p is number => typeof p === 'number'),
  );
  if (!cancelBackorder && env.context['is_scrap'] !== true) for (const p of pickings) createBackorder(env, p);
  for (const p of pickings) recomputePickingState(env, p);
  return todo;
}

/** stock.picking._create_backorder: the picking's open moves go to a new picking pointing back to it. */
export function createBackorder(env: Env, pickingId: number): number | undefined {
  const open = env.store.rows(
    'stock.move',
    (m) => m['picking_id'] === pickingId && !['done', 'cancel'].includes(String(m['state'])),
  );
  if (open.length === 0) return undefined;
  const p = env.store.get('stock.picking', pickingId);
  const keep = [
    'picking_type_id',
    'location_id',
    'location_dest_id',
    'origin',
    'partner_id',
    'company_id',
    'move_type',
  ];
  const vals: Row = { backorder_id: pickingId };
  for (const k of keep) if (p[k] !== undefined && p[k] !== false) vals[k] = p[k];
  const [backorder] = env.store.create('stock.picking', [vals], env);
  for (const m of open) {
    env.store.write('stock.move', [m['id']], { picking_id: backorder, picked: false }, env);
    syncMove(env, m['id'] as number);
  }
  const type = env.store.get('stock.picking.type', p['picking_type_id'] as number);
  if (type['reservation_method'] === 'at_confirm')
    assignMoves(
      env,
      open.map((m) => m['id'] as number),
    );
  recomputePickingState(env, backorder as number);
  return backorder;
}
