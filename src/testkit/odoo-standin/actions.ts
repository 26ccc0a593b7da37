// Window actions that business methods return instead of doing their work (wizards). Two shapes,
// as in Odoo: a dict built in code (stock.picking._action_generate_backorder_wizard) and the read
// of an ir.actions.act_window record (`_for_xml_id`, mrp wizards), whose keys are the action's
// readable fields (19.0 ir_actions.py `_get_readable_fields`). The groups field is `group_ids` in
// 19.0 (res.groups refactor) and `groups_id` before; 17.0 has no path/cache/mobile_view_mode/
// embedded_action_ids (18.0 is assumed to have them with `groups_id`: not read).
import type { Env } from './model-hooks.js';

/** Record ids of the views and actions the stand-in's actions refer to (seeded in ir.model.data). */
export const UI_XMLIDS = {
  'stock.view_backorder_confirmation': { model: 'ir.ui.view', id: 1101 },
  'mrp.action_mrp_production_backorder': { model: 'ir.actions.act_window', id: 2101 },
  'mrp.action_mrp_consumption_warning': { model: 'ir.actions.act_window', id: 2102 },
  'mrp.action_assign_serial_numbers': { model: 'ir.actions.act_window', id: 2103 },
} as const;

export type Action = Record<string, unknown>;

/** stock.picking._action_generate_backorder_wizard (identical in the 17.0 and 19.0 copies). */
export function backorderWizardAction(env: Env, pickingIds: readonly number[], showTransfers: boolean): Action {
  const view = UI_XMLIDS['stock.view_backorder_confirmation'].id;
  return {
    name: 'Create Backorder?',
    type: 'ir.actions.act_window',
    view_mode: 'form',
    res_model: 'stock.backorder.confirmation',
    views: [[view, 'form']],
    view_id: view,
    target: 'new',
    context: {
      ...env.context,
      default_show_transfers: showTransfers,
      default_pick_ids: pickingIds.map((id) => [4, id]),
    },
  };
}

interface ActWindow {
  readonly xmlId: keyof typeof UI_XMLIDS;
  readonly name: string;
  readonly resModel: string;
}

/** `_for_xml_id` of an ir.actions.act_window defined with name, res_model, view_mode form, target new. */
export function xmlAction(env: Env, a: ActWindow, context: Readonly<Record<string, unknown>>): Action {
  const base: Action = {
    id: UI_XMLIDS[a.xmlId].id,
    xml_id: a.xmlId,
    name: a.name,
    display_name: a.name,
    type: 'ir.actions.act_window',
    binding_model_id: false,
    binding_type: 'action',
    binding_view_types: 'list,form',
    help: false,
    res_model: a.resModel,
    res_id: 0,
    view_mode: 'form',
    view_id: false,
    views: [[false, 'form']],
    search_view_id: false,
    target: 'new',
    domain: false,
    filter: false,
    limit: 80,
    context,
  };
  const groups = env.version >= 19 ? { group_ids: [] } : { groups_id: [] };
  if (env.version === 17) return { ...base, ...groups };
  return { ...base, ...groups, path: false, cache: true, mobile_view_mode: 'kanban', embedded_action_ids: [] };
}

export const MRP_BACKORDER: ActWindow = {
  xmlId: 'mrp.action_mrp_production_backorder',
  name: 'You produced less than the initial demand',
  resModel: 'mrp.production.backorder',
};
export const MRP_CONSUMPTION: ActWindow = {
  xmlId: 'mrp.action_mrp_consumption_warning',
  name: 'Consumption Warning',
  resModel: 'mrp.consumption.warning',
};
export const MRP_SERIALS: ActWindow = {
  xmlId: 'mrp.action_assign_serial_numbers',
  name: 'Assign Serial Numbers',
  resModel: 'mrp.production.serials',
};
