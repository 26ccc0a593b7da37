// The stand-in's installed modules: which hooks and business methods each model gets, per edition.
import type { Edition } from './schema.js';
import type { HookRegistry, ModelHooks } from './model-hooks.js';
import { mergeHooks } from './model-hooks.js';
import type { MethodDef, ModelMethods } from './methods.js';
import { equipmentHooks, requestHooks, requestMethods, teamHooks } from './maintenance.js';
import {
  backorderWizardMethods as mrpBackorderMethods,
  consumptionWizardMethods,
  markDoneMethods,
} from './mrp-mark-done.js';
import { mrpMaintenanceRequestHooks, mrpMaintenanceWorkcenterHooks } from './mrp-maintenance.js';
import { bomHooks, bomLineHooks, productionHooks, productionMethods } from './mrp-production.js';
import { productivityHooks, workorderHooks, workorderMethods } from './mrp-workorder.js';
import { alertHooks, checkHooks, checkMethods, pointHooks } from './quality.js';
import { quantHooks, quantMethods } from './stock-inventory.js';
import { locationHooks, lotHooks, packageHooks, productHooks } from './stock-master.js';
import { moveHooks } from './stock-move-hooks.js';
import { moveLineHooks } from './stock-moves.js';
import { backorderWizardHooks, backorderWizardMethods, pickingHooks, pickingMethods } from './stock-picking.js';
import { scrapHooks, scrapMethods } from './stock-scrap.js';
import { PRODUCT_EXPIRY, expiryLotHooks, expiryWizardMethods } from './product-expiry.js';
import { buttonValidate } from './stock-picking.js';

const COMMUNITY_HOOKS: Readonly<Record<string, ModelHooks>> = {
  'ir.model': { reads: { modules: (env, r) => env.store.schema.get(String(r['model']))?.module ?? '' } },
  'product.product': productHooks,
  'stock.location': locationHooks,
  'stock.lot': lotHooks,
  'stock.quant.package': packageHooks,
  'stock.package': packageHooks,
  'stock.quant': quantHooks,
  'stock.move': moveHooks,
  'stock.move.line': moveLineHooks,
  'stock.picking': pickingHooks,
  'stock.backorder.confirmation': backorderWizardHooks,
  'stock.scrap': scrapHooks,
  'mrp.production': productionHooks,
  'mrp.bom': bomHooks,
  'mrp.bom.line': bomLineHooks,
  'mrp.workorder': workorderHooks,
  'mrp.workcenter.productivity': productivityHooks,
  'maintenance.request': requestHooks,
  'maintenance.equipment': equipmentHooks,
  'maintenance.team': teamHooks,
};

const ENTERPRISE_HOOKS: Readonly<Record<string, ModelHooks>> = {
  'maintenance.request': mrpMaintenanceRequestHooks,
  'mrp.workcenter': mrpMaintenanceWorkcenterHooks,
  'quality.point': pointHooks,
  'quality.check': checkHooks,
  'quality.alert': alertHooks,
};

export function hooksFor(edition: Edition, addons: readonly string[] = []): HookRegistry {
  const layers = [COMMUNITY_HOOKS];
  if (addons.includes(PRODUCT_EXPIRY)) layers.push({ 'stock.lot': expiryLotHooks });
  if (edition === 'enterprise') layers.push(ENTERPRISE_HOOKS);
  return mergeHooks(...layers);
}

const COMMUNITY_METHODS: Readonly<Record<string, Readonly<Record<string, MethodDef>>>> = {
  'stock.picking': pickingMethods,
  'stock.backorder.confirmation': backorderWizardMethods,
  'stock.quant': quantMethods,
  'stock.scrap': scrapMethods,
  'mrp.production': { ...productionMethods, ...markDoneMethods },
  'mrp.production.backorder': mrpBackorderMethods,
  'mrp.consumption.warning': consumptionWizardMethods,
  'mrp.workorder': workorderMethods,
  'maintenance.request': requestMethods,
};

export function methodsFor(edition: Edition, addons: readonly string[] = []): ModelMethods {
  const expiry = addons.includes(PRODUCT_EXPIRY)
    ? { 'expiry.picking.confirmation': expiryWizardMethods(buttonValidate) }
    : {};
  return edition === 'enterprise'
    ? { ...COMMUNITY_METHODS, ...expiry, 'quality.check': checkMethods }
    : { ...COMMUNITY_METHODS, ...expiry };
}
