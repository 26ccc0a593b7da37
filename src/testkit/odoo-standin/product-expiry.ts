// product_expiry (Community, optional: `addons: ['product_expiry']`): lots get an expiration date,
// and validating a transfer that moves an expired lot answers the `expiry.picking.confirmation`
// wizard instead of validating, whatever skip_backorder / picking_ids_not_to_backorder say: only
// context `skip_expired` passes it (19.0 odoo/addons/product_expiry/models/stock_picking.py
// `_pre_action_done_hook`; the same hook and key in the 17/18-era copies found by the string index).
// The 19 hook also warns on a line's removal_date; the stand-in models the lot's alert only.
import type { Env, ModelHooks } from './model-hooks.js';
import { withContext } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import type { Row } from './store.js';

export const PRODUCT_EXPIRY = 'product_expiry';
export const EXPIRY_VIEW_ID = 1201;

export function expiryInstalled(env: Env): boolean {
  return env.store.addons.has(PRODUCT_EXPIRY);
}

/** stock.lot.product_expiry_alert: the expiration date has passed. */
export function lotExpired(env: Env, lot: Row): boolean {
  const at = lot['expiration_date'];
  return typeof at === 'string' && at !== '' && at <= env.store.nowString();
}

/** The expired lots of these pickings' lines (`_check_expired_lots`), empty when the hook does not apply. */
export function expiredLots(env: Env, pickingIds: readonly number[]): { pickings: number[]; lots: number[] } {
  if (!expiryInstalled(env) || env.context['skip_expired'] === true) return { pickings: [], lots: [] };
  const pickings = new Set<number>();
  const lots = new Set<number>();
  for (const l of env.store.rows('stock.move.line', (x) => pickingIds.includes(x['picking_id'] as number))) {
    if (typeof l['lot_id'] !== 'number' || !lotExpired(env, env.store.get('stock.lot', l['lot_id']))) continue;
    pickings.add(l['picking_id'] as number);
    lots.add(l['lot_id']);
  }
  return { pickings: [...pickings], lots: [...lots] };
}

/** stock.picking._action_generate_expired_wizard. */
export function expiredWizardAction(env: Env, pickingIds: readonly number[], lotIds: readonly number[]): Row {
  return {
    name: 'Confirmation',
    type: 'ir.actions.act_window',
    res_model: 'expiry.picking.confirmation',
    view_mode: 'form',
    views: [[EXPIRY_VIEW_ID, 'form']],
    view_id: EXPIRY_VIEW_ID,
    target: 'new',
    context: { ...env.context, default_picking_ids: [[6, 0, [...pickingIds]]], default_lot_ids: [[6, 0, [...lotIds]]] },
  };
}

export const expiryLotHooks: ModelHooks = {
  reads: { product_expiry_alert: (env, r) => lotExpired(env, r) },
};

type Validate = (env: Env, ids: readonly number[]) => unknown;

/** expiry.picking.confirmation: process re-validates with skip_expired (only with the action's context). */
export function expiryWizardMethods(validate: Validate): Readonly<Record<string, MethodDef>> {
  return {
    process: {
      params: [],
      onRecords: true,
      run: (_s, _m, _ids, _a, env) => {
        const ids = env.context['button_validate_picking_ids'];
        if (!Array.isArray(ids) || ids.length === 0) return true;
        return validate(withContext(env, { skip_expired: true }), ids as number[]);
      },
    },
  };
}
