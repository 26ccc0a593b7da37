// stock.picking (transfers) and the stock.backorder.confirmation wizard: naming from the operation
// type's sequence, locations from the type, action_confirm / action_assign / do_unreserve /
// action_cancel, and button_validate with its order of work (stock_picking.py, 17.0 and 19.0
// copies): confirm drafts, sanity checks, the backorder question (a window action, nothing
// validated) unless context skip_backorder, then validation with or without backorder.
import { backorderWizardAction } from './actions.js';
import { userError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import { withContext } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import { expiredLots, expiredWizardAction } from './product-expiry.js';
import { createBackorder, moveActionDone } from './stock-done.js';
import { setPicked } from './stock-move-hooks.js';
import { EPS, productName, tracking } from './stock-quants.js';
import {
  assignMoves,
  cancelMoves,
  confirmMoves,
  linesOf,
  recomputePickingState,
  setMoveQuantity,
} from './stock-moves.js';
import type { Row } from './store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const movesOf = (env: Env, pickingId: number): Row[] =>
  env.store.rows('stock.move', (m) => m['picking_id'] === pickingId).sort((a, b) => num(a['id']) - num(b['id']));
const typeOf = (env: Env, p: Row): Row => env.store.get('stock.picking.type', p['picking_type_id'] as number);

export const pickingHooks: ModelHooks = {
  beforeCreate(env, vals) {
    if ((vals['name'] === undefined || vals['name'] === '/') && typeof vals['picking_type_id'] === 'number') {
      if (!env.store.has('stock.picking.type', vals['picking_type_id'])) return; // the ORM reports it
      const type = env.store.get('stock.picking.type', vals['picking_type_id']);
      const code = String(type['sequence_code']);
      vals['name'] = env.store.nextSequence(`stock.picking.type.${String(type['id'])}`, `WH/${code}/`, 5);
    }
  },
  defaults: {
    name: () => '/',
    state: () => 'draft',
    user_id: (env) => env.uid,
    scheduled_date: (env) => env.store.nowString(),
  },
  computes: [
    {
      field: 'location_id',
      depends: ['picking_type_id'],
      compute: (env, r) =>
        env.store.has('stock.picking.type', r['picking_type_id'])
          ? typeOf(env, r)['default_location_src_id']
          : (r['location_id'] ?? false),
    },
    {
      field: 'location_dest_id',
      depends: ['picking_type_id'],
      compute: (env, r) =>
        env.store.has('stock.picking.type', r['picking_type_id'])
          ? typeOf(env, r)['default_location_dest_id']
          : (r['location_dest_id'] ?? false),
    },
    {
      field: 'company_id',
      depends: ['picking_type_id'],
      compute: (env, r) =>
        env.store.has('stock.picking.type', r['picking_type_id']) ? typeOf(env, r)['company_id'] : env.companyId,
    },
  ],
  afterCreate(env, id) {
    recomputePickingState(env, id);
  },
  beforeWrite(env, ids, vals) {
    if (env.version >= 19 && 'picking_type_id' in vals)
      for (const id of ids)
        if (['done', 'cancel'].includes(String(env.store.get('stock.picking', id)['state'])))
          throw userError('Changing the operation type of this record is forbidden at this point.');
  },
  afterWrite(env, ids, vals) {
    // Writing the picking's locations rewrites its open moves (stock_picking.py write).
    for (const key of ['location_id', 'location_dest_id'] as const)
      if (key in vals)
        for (const id of ids)
          for (const m of movesOf(env, id))
            if (!['done', 'cancel'].includes(String(m['state'])))
              env.store.update('stock.move', m['id'] as number, { [key]: vals[key] }, env);
    for (const id of ids) recomputePickingState(env, id);
  },
  beforeUnlink(env, ids) {
    for (const id of ids) {
      const moves = movesOf(env, id).map((m) => m['id'] as number);
      cancelMoves(env, moves);
      for (const m of moves) env.store.unlink('stock.move', [m], env);
    }
  },
};

/** _sanity_check of button_validate (messages of the 19.0 copy; the zero-quantity one differs in 17.0). */
function sanityCheck(env: Env, pickingIds: readonly number[]): void {
  const empty: Row[] = [];
  const zero: Row[] = [];
  const withoutLots: Row[] = [];
  const productsWithoutLots = new Set<string>();
  for (const id of pickingIds) {
    const p = env.store.get('stock.picking', id);
    const moves = movesOf(env, id);
    const lines = env.store.rows('stock.move.line', (l) => l['picking_id'] === id);
    if (moves.length === 0 && lines.length === 0) empty.push(p);
    const open = moves.filter((m) => !['done', 'cancel'].includes(String(m['state'])));
    const hasPick = open.some((m) => m['picked'] === true);
    if (open.filter((m) => !hasPick || m['picked'] === true).every((m) => Math.abs(num(m['quantity'])) < EPS))
      zero.push(p);
    const type = typeOf(env, p);
    if (type['use_create_lots'] === true || type['use_existing_lots'] === true)
      for (const l of lines)
        if (
          tracking(env, l['product_id']) !== 'none' &&
          l['picked'] === true &&
          Math.abs(num(l['quantity'])) > EPS &&
          typeof l['lot_id'] !== 'number' &&
          (typeof l['lot_name'] !== 'string' || l['lot_name'] === '')
        ) {
          withoutLots.push(p);
          productsWithoutLots.add(productName(env, l['product_id']));
        }
  }
  const products = [...productsWithoutLots].join(', ');
  if (pickingIds.length <= 1) {
    if (empty.length > 0)
      throw userError('You can’t validate an empty transfer. Please add some products to move before proceeding.');
    if (zero.length > 0)
      throw userError(
        env.version === 17
          ? 'You cannot validate a transfer if no quantities are reserved. To force the transfer, encode quantities.'
          : "Transfer trouble alert! Validating a zero quantity transfer? You're not moving invisible goods around " +
              "are you?\nSet some quantities and let's get moving!",
      );
    if (withoutLots.length > 0) throw userError(`You need to supply a Lot/Serial number for products ${products}.`);
    return;
  }
  let message = '';
  if (empty.length > 0)
    message += `Transfers ${empty.map((p) => String(p['name'])).join(', ')}: Please add some items to move.`;
  if (withoutLots.length > 0)
    message +=
      `\n\nTransfers ${[...new Set(withoutLots.map((p) => String(p['name'])))].join(', ')}: ` +
      `You need to supply a Lot/Serial number for products ${products}.`;
  if (message !== '') throw userError(message.replace(/^\s+/, ''));
}

/** _check_backorder: 'ask' types with an unpicked move that has demand, or less picked than demanded. */
function needsBackorderQuestion(env: Env, pickingId: number): boolean {
  const p = env.store.get('stock.picking', pickingId);
  if (typeOf(env, p)['create_backorder'] !== 'ask') return false;
  return movesOf(env, pickingId)
    .filter((m) => m['state'] !== 'cancel')
    .some((m) => {
      const demand = num(m['product_uom_qty']);
      const picked = linesOf(env, m['id'] as number)
        .filter((l) => l['picked'] === true)
        .reduce((s, l) => s + num(l['quantity']), 0);
      return (demand > EPS && m['picked'] !== true) || picked + EPS < demand;
    });
}

function pickingActionDone(env: Env, pickingIds: readonly number[], cancelBackorder: boolean): void {
  const todo = pickingIds.flatMap((id) =>
    movesOf(env, id)
      .filter((m) => ['draft', 'waiting', 'partially_available', 'assigned', 'confirmed'].includes(String(m['state'])))
      .map((m) => m['id'] as number),
  );
  moveActionDone(withContext(env, { cancel_backorder: cancelBackorder }), todo, cancelBackorder);
  for (const id of pickingIds) {
    env.store.update('stock.picking', id, { date_done: env.store.nowString(), priority: '0' }, env);
    recomputePickingState(env, id);
  }
}

export function buttonValidate(env: Env, ids: readonly number[]): unknown {
  // 19.0 skips pickings already done; 17.0 does not (and then finds no quantity to validate).
  const pickingIds =
    env.version >= 19 ? ids.filter((id) => env.store.get('stock.picking', id)['state'] !== 'done') : [...ids];
  const drafts = pickingIds.filter((id) => env.store.get('stock.picking', id)['state'] === 'draft');
  actionConfirm(env, drafts);
  for (const id of drafts)
    for (const m of movesOf(env, id))
      if (Math.abs(num(m['quantity'])) < EPS && num(m['product_uom_qty']) > EPS)
        setMoveQuantity(env, m['id'] as number, num(m['product_uom_qty']));
  if (env.context['skip_sanity_check'] !== true) sanityCheck(env, pickingIds);
  const ctx = Array.isArray(env.context['button_validate_picking_ids'])
    ? env
    : withContext(env, { button_validate_picking_ids: pickingIds });
  // _pre_action_done_hook: quantities but nothing picked -> everything picked.
  for (const id of pickingIds) {
    const moves = movesOf(ctx, id);
    const hasQuantity = moves.some((m) => Math.abs(num(m['quantity'])) > EPS);
    const hasPick = moves.some((m) => m['picked'] === true && !isScrapMove(ctx, m));
    if (hasQuantity && !hasPick) for (const m of moves) setPicked(ctx, m['id'] as number, true);
  }
  if (ctx.context['skip_backorder'] !== true) {
    const ask = pickingIds.filter((id) => needsBackorderQuestion(ctx, id));
    if (ask.length > 0) return backorderWizardAction(ctx, ask, pickingIds.length > 1);
  }
  // product_expiry's hook runs after the backorder question: only skip_expired passes it.
  const expired = expiredLots(ctx, pickingIds);
  if (expired.pickings.length > 0) return expiredWizardAction(ctx, expired.pickings, expired.lots);
  const notToBackorder = new Set(
    pickingIds.filter((id) => typeOf(ctx, ctx.store.get('stock.picking', id))['create_backorder'] === 'never'),
  );
  const listed = ctx.context['picking_ids_not_to_backorder'];
  if (Array.isArray(listed))
    for (const id of listed)
      if (
        typeof id === 'number' &&
        pickingIds.includes(id) &&
        typeOf(ctx, ctx.store.get('stock.picking', id))['create_backorder'] !== 'always'
      )
        notToBackorder.add(id);
  const withBackorder = pickingIds.filter((id) => !notToBackorder.has(id));
  if (notToBackorder.size > 0) pickingActionDone(ctx, [...notToBackorder], true);
  if (withBackorder.length > 0) pickingActionDone(ctx, withBackorder, false);
  return true;
}

/** 17/18 skip scrapped moves in the pre-validation hook, 19 moves to inventory locations. */
function isScrapMove(env: Env, m: Row): boolean {
  if (env.version <= 18) return m['scrapped'] === true;
  const dest =
    typeof m['location_dest_id'] === 'number' ? env.store.get('stock.location', m['location_dest_id']) : undefined;
  return dest?.['usage'] === 'inventory';
}

export function actionConfirm(env: Env, pickingIds: readonly number[]): true {
  for (const id of pickingIds) {
    confirmMoves(
      env,
      movesOf(env, id)
        .filter((m) => m['state'] === 'draft')
        .map((m) => m['id'] as number),
    );
    recomputePickingState(env, id);
  }
  return true;
}

const rec = (params: readonly string[], run: MethodDef['run']): MethodDef => ({ params, onRecords: true, run });

export const pickingMethods: Readonly<Record<string, MethodDef>> = {
  action_confirm: rec([], (_s, _m, ids, _a, env) => actionConfirm(env, ids as number[])),
  action_assign: rec([], (_s, _m, ids, _a, env) => {
    const pickingIds = ids as number[];
    actionConfirm(
      env,
      pickingIds.filter((id) => env.store.get('stock.picking', id)['state'] === 'draft'),
    );
    const moves = pickingIds.flatMap((id) =>
      movesOf(env, id)
        .filter((m) => !['draft', 'cancel', 'done'].includes(String(m['state'])))
        .map((m) => m['id'] as number),
    );
    if (moves.length === 0) throw userError('Nothing to check the availability for.');
    assignMoves(env, moves);
    for (const id of pickingIds) recomputePickingState(env, id);
    return true;
  }),
  button_validate: rec([], (_s, _m, ids, _a, env) => buttonValidate(env, ids as number[])),
  // Returns None: JSON-RPC answers without `result`, JSON-2 with null.
  do_unreserve: rec([], (_s, _m, ids, _a, env) => {
    for (const id of ids as number[])
      for (const m of movesOf(env, id)) {
        if (m['state'] === 'done') throw userError("You cannot unreserve a stock move that has been set to 'Done'.");
        for (const l of linesOf(env, m['id'] as number))
          if (l['picked'] !== true) env.store.unlink('stock.move.line', [l['id']], env);
      }
    return null;
  }),
  action_cancel: rec([], (_s, _m, ids, _a, env) => {
    for (const id of ids as number[]) {
      cancelMoves(
        env,
        movesOf(env, id).map((m) => m['id'] as number),
      );
      env.store.update('stock.picking', id, { is_locked: true }, env);
      if (movesOf(env, id).length === 0) env.store.update('stock.picking', id, { state: 'cancel' }, env);
      recomputePickingState(env, id);
    }
    return true;
  }),
  action_toggle_is_locked: rec([], (_s, _m, ids, _a, env) => {
    const [id] = ids as number[];
    const p = env.store.get('stock.picking', id as number);
    env.store.update('stock.picking', id as number, { is_locked: p['is_locked'] !== true }, env);
    return true;
  }),
};

/** stock.backorder.confirmation: default lines for its pickings; process / process_cancel_backorder. */
export const backorderWizardHooks: ModelHooks = {
  beforeCreate(env, vals) {
    if (vals['backorder_confirmation_line_ids'] !== undefined) return;
    const picks = Array.isArray(vals['pick_ids']) ? (vals['pick_ids'] as unknown[]) : [];
    const ids: unknown[] = picks.flatMap((c: unknown): unknown[] => {
      if (typeof c === 'number') return [c];
      if (!Array.isArray(c)) return [];
      const cmd = c as unknown[];
      return cmd[0] === 4 ? [cmd[1]] : cmd[0] === 6 && Array.isArray(cmd[2]) ? (cmd[2] as unknown[]) : [];
    });
    vals['backorder_confirmation_line_ids'] = ids.map((picking_id) => [0, 0, { to_backorder: true, picking_id }]);
  },
};

export const backorderWizardMethods: Readonly<Record<string, MethodDef>> = {
  process: rec([], (_s, _m, ids, _a, env) => {
    const toValidate = env.context['button_validate_picking_ids'];
    if (!Array.isArray(toValidate)) return true;
    const notToDo = env.store
      .rows('stock.backorder.confirmation.line', (l) =>
        (ids as number[]).includes(l['backorder_confirmation_id'] as number),
      )
      .filter((l) => l['to_backorder'] !== true)
      .map((l) => l['picking_id'] as number);
    const ctx = withContext(env, {
      skip_backorder: true,
      ...(notToDo.length > 0 ? { picking_ids_not_to_backorder: notToDo } : {}),
    });
    return buttonValidate(ctx, toValidate as number[]);
  }),
  process_cancel_backorder: rec([], (_s, _m, ids, _a, env) => {
    const toValidate = env.context['button_validate_picking_ids'];
    if (!Array.isArray(toValidate)) return true;
    const pickIds = (ids as number[]).flatMap((id) => {
      const v = env.store.get('stock.backorder.confirmation', id)['pick_ids'];
      return Array.isArray(v) ? (v as number[]) : [];
    });
    return buttonValidate(
      withContext(env, { skip_backorder: true, picking_ids_not_to_backorder: pickIds }),
      toValidate as number[],
    );
  }),
};

export { createBackorder };
