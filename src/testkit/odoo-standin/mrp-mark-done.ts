// mrp.production.button_mark_done and its wizards (mrp_production.py, mrp/wizard/*.py of the
// 17.0 and 19.0 copies). pre_button_mark_done may RETURN an action instead of closing the MO: the
// consumption warning (consumption not 'flexible' and picked components differ from the BoM),
// the backorder question (less produced than planned on an 'ask' operation type) and, on 19, the
// lot/serial generation. Context skip_consumption / skip_backorder / mo_ids_to_backorder /
// skip_redirection steer it, as in Odoo.
import { MRP_BACKORDER, MRP_CONSUMPTION, xmlAction } from './actions.js';
import { userError, valueError } from './errors.js';
import type { Env } from './model-hooks.js';
import { withContext } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import {
  confirmProductions,
  finishedMoves,
  generateSerial,
  mo,
  producingLots,
  qtyProduced,
  rawMoves,
  setQtyProducing,
} from './mrp-production.js';
import { finishWorkorders } from './mrp-workorder.js';
import { moveActionDone } from './stock-done.js';
import { setPicked } from './stock-move-hooks.js';
import { assignMoves, cancelMoves, linesOf, setMoveQuantity } from './stock-moves.js';
import { EPS, productName, roundQty, tracking } from './stock-quants.js';
import type { Row } from './store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

type Issue = [production: number, product: number, consumed: number, expected: number];

/** _get_consumption_issues: BoM-expected vs picked component quantities, for non-flexible MOs. */
function consumptionIssues(env: Env, ids: readonly number[]): Issue[] {
  if (env.context['skip_consumption'] === true) return [];
  const issues: Issue[] = [];
  for (const id of ids) {
    const p = mo(env, id);
    if (p['consumption'] === 'flexible' || typeof p['bom_id'] !== 'number') continue;
    const bom = env.store.get('mrp.bom', p['bom_id']);
    const lines = env.store.rows('mrp.bom.line', (l) => l['bom_id'] === bom['id']);
    if (lines.length === 0) continue;
    const expected = new Map<number, number>();
    const factor = num(p['product_qty']) / (num(bom['product_qty']) || 1);
    for (const l of lines) {
      const pid = l['product_id'] as number;
      const qty = num(l['product_qty']) * factor * (num(p['qty_producing']) / (num(p['product_qty']) || 1));
      expected.set(pid, (expected.get(pid) ?? 0) + qty);
    }
    const done = new Map<number, number>();
    for (const m of rawMoves(env, id)) {
      const pid = m['product_id'] as number;
      const picked = linesOf(env, m['id'] as number)
        .filter((l) => l['picked'] === true)
        .reduce((s, l) => s + num(l['quantity']), 0);
      if (!expected.has(pid) && m['picked'] === true && picked > EPS) {
        issues.push([id, pid, roundQty(picked), 0]);
        continue;
      }
      done.set(pid, (done.get(pid) ?? 0) + (m['picked'] === true ? picked : 0));
    }
    for (const [pid, qty] of expected)
      if (Math.abs(roundQty(qty) - roundQty(done.get(pid) ?? 0)) > 0.005)
        issues.push([id, pid, roundQty(done.get(pid) ?? 0), roundQty(qty)]);
  }
  return issues;
}

function consumptionWizard(env: Env, ids: readonly number[], issues: readonly Issue[]): unknown {
  const lines = issues.map(([production, productId, consumed, expected]) => [
    0,
    0,
    {
      mrp_production_id: production,
      product_id: productId,
      consumption: mo(env, production)['consumption'],
      product_uom_id: env.store.get('product.product', productId)['uom_id'],
      product_consumed_qty_uom: consumed,
      product_expected_qty_uom: expected,
    },
  ]);
  return xmlAction(env, MRP_CONSUMPTION, {
    ...env.context,
    default_mrp_production_ids: [...ids],
    default_mrp_consumption_warning_line_ids: lines,
    form_view_ref: false,
  });
}

function typeOf(env: Env, p: Row): Row {
  return env.store.get('stock.picking.type', p['picking_type_id'] as number);
}

/** _auto_production_checks (19): nothing tracked, a single unit, or a reserved non-serial MO. */
function autoProduction(env: Env, p: Row): boolean {
  const id = p['id'] as number;
  const products = [...rawMoves(env, id), ...finishedMoves(env, id)].map((m) => m['product_id']);
  if (products.every((pid) => tracking(env, pid) === 'none')) return true;
  if (num(p['product_qty']) === 1) return true;
  const raw = rawMoves(env, id).filter((m) => m['state'] !== 'cancel');
  const reserved =
    raw.length > 0 ? (raw.every((m) => m['state'] === 'assigned') ? 'assigned' : 'confirmed') : 'assigned';
  return tracking(env, p['product_id']) !== 'serial' && ['assigned', 'confirmed', 'waiting'].includes(reserved);
}

/** _set_quantities: produce everything left, generating the lot when the product is tracked. */
function setQuantities(env: Env, id: number): void {
  let p = mo(env, id);
  if (tracking(env, p['product_id']) !== 'none' && producingLots(env, p).length === 0) generateSerial(env, id);
  p = mo(env, id);
  // 17.0: a serial MO above 1 is set to 1; the others produce all that is left.
  const serialAboveOne =
    env.version <= 18 && tracking(env, p['product_id']) === 'serial' && num(p['qty_producing']) > 1;
  const qty = serialAboveOne ? 1 : roundQty(num(p['product_qty']) - qtyProduced(env, p));
  env.store.update('mrp.production', id, { qty_producing: qty }, env);
  setQtyProducing(env, id, true);
  const missing: string[] = [];
  for (const m of rawMoves(env, id)) {
    if (
      ['done', 'cancel'].includes(String(m['state'])) ||
      num(m['product_uom_qty']) <= 0 ||
      m['manual_consumption'] !== true
    )
      continue;
    if (tracking(env, m['product_id']) !== 'none') {
      const lines = linesOf(env, m['id'] as number);
      if (
        m['picked'] !== true ||
        lines.some((l) => num(l['quantity']) > 0 && l['picked'] === true && typeof l['lot_id'] !== 'number')
      )
        missing.push(`\n  - ${productName(env, m['product_id'])}`);
    }
  }
  if (missing.length > 0)
    throw userError(
      "You need to supply Lot/Serial Number for products and 'consume' them:" +
        `${env.version >= 19 ? ' ' : ''}${missing.join('')}`,
    );
}

function preMarkDone(env: Env, ids: readonly number[]): unknown {
  for (const id of ids) checkSerialNotProduced(env, id);
  if (env.version >= 19) {
    const auto: number[] = [];
    const missingLot: number[] = [];
    for (const id of ids) {
      const p = mo(env, id);
      if (num(p['qty_producing']) > EPS) {
        for (const m of rawMoves(env, id))
          if (m['manual_consumption'] === true && m['picked'] !== true) setPicked(env, m['id'] as number, true);
        continue;
      }
      if (autoProduction(env, p)) auto.push(id);
      else if (producingLots(env, p).length === 0) missingLot.push(id);
    }
    if (missingLot.length > 1)
      throw userError('You need to generate Lot/Serial Number(s) to mark as done some productions');
    // The MO is left open: the lot is generated (None) or the serial wizard is returned.
    if (missingLot.length === 1) return generateSerial(env, missingLot[0] as number);
    for (const id of auto) setQuantities(env, id);
  } else {
    for (const id of ids) if (num(mo(env, id)['qty_producing']) <= EPS) setQuantities(env, id);
    for (const id of ids)
      if (num(mo(env, id)['qty_producing']) <= EPS) throw userError('The quantity to produce must be positive!');
  }
  const issues = consumptionIssues(env, ids);
  if (issues.length > 0) return consumptionWizard(env, ids, issues);
  if (env.context['skip_backorder'] === true) return true;
  const short = ids.filter((id) => {
    const p = mo(env, id);
    return Math.max(num(p['product_qty']) - num(p['qty_producing']), 0) > EPS;
  });
  if (short.length === 0) return true;
  const always = short.filter((id) => typeOf(env, mo(env, id))['create_backorder'] === 'always');
  const ask = short.filter((id) => typeOf(env, mo(env, id))['create_backorder'] === 'ask');
  if (ask.length > 0)
    return xmlAction(env, MRP_BACKORDER, {
      ...env.context,
      always_backorder_mo_ids: always,
      default_mrp_production_ids: [...ids],
      default_mrp_production_backorder_line_ids: ask.map((id) => [0, 0, { mrp_production_id: id, to_backorder: true }]),
    });
  if (always.length > 0) return markDone(withContext(env, { skip_backorder: true, mo_ids_to_backorder: always }), ids);
  return true;
}

function checkSerialNotProduced(env: Env, id: number): void {
  const p = mo(env, id);
  if (tracking(env, p['product_id']) !== 'serial') return;
  for (const lot of producingLots(env, p)) {
    const produced = env.store.rows(
      'stock.move.line',
      (l) =>
        l['lot_id'] === lot &&
        typeof l['move_id'] === 'number' &&
        env.store.get('stock.move', l['move_id'])['state'] === 'done' &&
        typeof env.store.get('stock.move', l['move_id'])['production_id'] === 'number',
    );
    if (produced.length === 0) continue;
    const name = String(env.store.get('product.product', p['product_id'] as number)['name']);
    throw userError(
      env.version === 17
        ? `This serial number for product ${name} has already been produced`
        : `Serial number(s) for product ${name} already produced`,
    );
  }
}

/** _post_inventory: picked components done, unpicked ones cancelled, the finished product produced. */
function postInventory(env: Env, id: number): void {
  const todo: number[] = [];
  for (const m of rawMoves(env, id)) {
    if (m['state'] === 'done' || m['state'] === 'cancel') continue;
    if (m['picked'] !== true) cancelMoves(env, [m['id'] as number]);
    else todo.push(m['id'] as number);
  }
  moveActionDone(env, todo, true);
  const p = mo(env, id);
  const lots = producingLots(env, p);
  const finish = finishedMoves(env, id).filter((m) => !['done', 'cancel'].includes(String(m['state'])));
  for (const m of finish) {
    const moveId = m['id'] as number;
    if (m['product_id'] === p['product_id']) {
      const qty = roundQty(num(p['qty_producing']) - qtyProduced(env, p));
      for (const l of linesOf(env, moveId)) env.store.unlink('stock.move.line', [l['id']], env);
      if (tracking(env, p['product_id']) === 'serial' && lots.length > 0) {
        for (const lot of lots.slice(0, Math.max(1, Math.trunc(qty))))
          env.store.create('stock.move.line', [lineFor(env, m, 1, lot)], env);
      } else if (qty > EPS) {
        env.store.create('stock.move.line', [lineFor(env, m, qty, lots[0] ?? false)], env);
      }
    }
    setPicked(env, moveId, true);
  }
  moveActionDone(
    env,
    finish.map((m) => m['id'] as number),
    true,
  );
}

function lineFor(env: Env, m: Row, quantity: number, lot: number | false): Row {
  return {
    move_id: m['id'],
    product_id: m['product_id'],
    location_id: m['location_id'],
    location_dest_id: m['location_dest_id'],
    quantity,
    lot_id: lot,
    picked: true,
    company_id: m['company_id'],
    product_uom_id: m['product_uom'],
  };
}

/** _split_productions with default amounts: [qty_producing, rest] -> the rest becomes a new MO. */
function splitBackorder(env: Env, id: number): number {
  const p = { ...mo(env, id) }; // a copy: the row changes below
  const produced = num(p['qty_producing']);
  const rest = roundQty(num(p['product_qty']) - produced);
  const seq = num(p['backorder_sequence']) || 1;
  const base = String(p['name']).replace(/-\d+$/, '');
  if (num(p['backorder_sequence']) === 0)
    env.store.update('mrp.production', id, { backorder_sequence: 1, name: `${base}-001` }, env);
  const copy: Row = {};
  for (const k of [
    'product_id',
    'product_uom_id',
    'bom_id',
    'picking_type_id',
    'location_src_id',
    'location_dest_id',
    'company_id',
    'origin',
    'consumption',
  ])
    if (p[k] !== undefined && p[k] !== false) copy[k] = p[k];
  const [backorder] = env.store.create(
    'mrp.production',
    [{ ...copy, product_qty: rest, name: `${base}-${String(seq + 1).padStart(3, '0')}`, backorder_sequence: seq + 1 }],
    { ...env, context: {} },
  );
  env.store.update('mrp.production', id, { product_qty: produced, product_uom_qty: produced }, env);
  for (const m of [...rawMoves(env, id), ...finishedMoves(env, id)]) {
    if (['done', 'cancel'].includes(String(m['state']))) continue;
    const factor = num(m['product_uom_qty']) / (num(p['product_qty']) || 1);
    env.store.update('stock.move', m['id'] as number, { product_uom_qty: roundQty(produced * factor) }, env);
    const target =
      m['raw_material_production_id'] === id
        ? rawMoves(env, backorder as number)
        : finishedMoves(env, backorder as number);
    const twin = target.find((x) => x['product_id'] === m['product_id']);
    if (twin !== undefined)
      env.store.update('stock.move', twin['id'] as number, { product_uom_qty: roundQty(rest * factor) }, env);
  }
  confirmProductions(env, [backorder as number]);
  return backorder as number;
}

export function markDone(env: Env, ids: readonly number[]): unknown {
  const pre = preMarkDone(env, ids);
  if (pre !== true) return pre;
  const listed = env.context['mo_ids_to_backorder'];
  const toBackorder = Array.isArray(listed) ? ids.filter((id) => listed.includes(id)) : [];
  finishWorkorders(
    env,
    env.store.rows('mrp.workorder', (w) => ids.includes(w['production_id'] as number)).map((w) => w['id'] as number),
  );
  const backorders = toBackorder.map((id) => splitBackorder(env, id));
  for (const id of ids) postInventory(env, id);
  const now = env.store.nowString();
  for (const id of ids) {
    for (const m of [...rawMoves(env, id), ...finishedMoves(env, id)])
      if (!['done', 'cancel'].includes(String(m['state'])))
        env.store.update('stock.move', m['id'] as number, { state: 'done', product_uom_qty: 0 }, env);
    env.store.update('mrp.production', id, { date_finished: now, priority: '0', is_locked: true, state: 'done' }, env);
  }
  for (const b of backorders)
    assignMoves(
      env,
      rawMoves(env, b).map((m) => m['id'] as number),
    );
  if (env.context['skip_redirection'] === true || backorders.length === 0) return true;
  const ctx: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env.context))
    if (!k.startsWith('default_')) ctx[k] = k.startsWith('skip_') ? false : v;
  const action: Record<string, unknown> = {
    res_model: 'mrp.production',
    type: 'ir.actions.act_window',
    context: { ...ctx, mo_ids_to_backorder: null },
  };
  if (backorders.length === 1) return { ...action, views: [[false, 'form']], view_mode: 'form', res_id: backorders[0] };
  return {
    ...action,
    name: 'Backorder MO',
    domain: [['id', 'in', backorders]],
    views: [
      [false, 'list'],
      [false, 'form'],
    ],
    view_mode: env.version === 17 ? 'tree,form' : 'list,form',
  };
}

const rec = (run: MethodDef['run']): MethodDef => ({ params: [], onRecords: true, run });

export const markDoneMethods: Readonly<Record<string, MethodDef>> = {
  button_mark_done: rec((_s, _m, ids, _a, env) => markDone(env, ids as number[])),
  pre_button_mark_done: rec((_s, _m, ids, _a, env) => preMarkDone(env, ids as number[])),
};

function wizardProductions(env: Env, model: string, ids: readonly unknown[]): number[] {
  const out = new Set<number>();
  for (const id of ids as number[]) {
    const v = env.store.get(model, id)['mrp_production_ids'];
    for (const x of Array.isArray(v) ? (v as number[]) : []) out.add(x);
  }
  return [...out];
}

function withoutDefaults(env: Env, drop: readonly string[]): Env {
  const ctx: Record<string, unknown> = { ...env.context };
  for (const k of drop) delete ctx[k];
  return { ...env, context: ctx };
}

export const backorderWizardMethods: Readonly<Record<string, MethodDef>> = {
  action_close_mo: rec((_s, model, ids, _a, env) => {
    const always = Array.isArray(env.context['always_backorder_mo_ids']) ? env.context['always_backorder_mo_ids'] : [];
    const base = withoutDefaults(env, ['always_backorder_mo_ids']);
    return markDone(
      withContext(base, { skip_backorder: true, mo_ids_to_backorder: always }),
      wizardProductions(env, model, ids),
    );
  }),
  action_backorder: rec((_s, model, ids, _a, env) => {
    const always = Array.isArray(env.context['always_backorder_mo_ids'])
      ? (env.context['always_backorder_mo_ids'] as number[])
      : [];
    const lines = env.store.rows(
      'mrp.production.backorder.line',
      (l) => (ids as number[]).includes(l['mrp_production_backorder_id'] as number) && l['to_backorder'] === true,
    );
    const base = withoutDefaults(env, ['default_mrp_production_ids', 'always_backorder_mo_ids']);
    return markDone(
      withContext(base, {
        skip_backorder: true,
        mo_ids_to_backorder: [...lines.map((l) => l['mrp_production_id']), ...always],
      }),
      wizardProductions(env, model, ids),
    );
  }),
};

export const consumptionWizardMethods: Readonly<Record<string, MethodDef>> = {
  action_confirm: rec((_s, model, ids, _a, env) =>
    markDone(
      withContext(withoutDefaults(env, ['default_mrp_production_ids']), { skip_consumption: true }),
      wizardProductions(env, model, ids),
    ),
  ),
  action_set_qty: rec((_s, model, ids, _a, env) => {
    const productions = wizardProductions(env, model, ids);
    const lines = env.store.rows('mrp.consumption.warning.line', (l) =>
      (ids as number[]).includes(l['mrp_consumption_warning_id'] as number),
    );
    for (const line of lines)
      for (const m of rawMoves(env, line['mrp_production_id'] as number))
        if (m['product_id'] === line['product_id']) {
          setMoveQuantity(env, m['id'] as number, num(line['product_expected_qty_uom']));
          setPicked(env, m['id'] as number, true);
        }
    return markDone(
      withContext(withoutDefaults(env, ['default_mrp_production_ids']), { skip_consumption: true }),
      productions,
    );
  }),
};

export function ensureOne(model: string, ids: readonly unknown[]): number {
  if (ids.length !== 1) throw valueError(`Expected singleton: ${model}(${ids.join(', ')},)`);
  return ids[0] as number;
}
