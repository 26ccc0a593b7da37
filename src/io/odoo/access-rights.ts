// The Odoo rights (model, operation) each command needs, with the least group that grants them in
// a standard database (the modules' ir.model.access.csv), and the question to Odoo whether the API
// user holds them: `check_access_rights(operation, raise_exception=False)` on 17, `has_access` on an
// empty recordset on 18+ (check_access_rights is deprecated there and gone after 19). docs/odoo.md,
// "The integration user", explains the table.
import { OdooError } from '../../errors.js';
import type { OdooClient } from './client.js';

export const ODOO_OPERATIONS = ['read', 'create', 'write', 'unlink'] as const;
export type OdooOperation = (typeof ODOO_OPERATIONS)[number];

/** The commands that talk to Odoo, by the name `doctor --odoo-for` takes. */
export const ODOO_COMMANDS = {
  post: 'shiftstream post',
  milestones: 'shiftstream post --milestones',
  orders: 'shiftstream orders sync',
  maintenance: 'shiftstream post --kind maintenance',
  quantities: 'shiftstream post --kind orders',
  material: 'shiftstream post --kind material',
  reconcile: 'shiftstream reconcile',
} as const;
export type OdooCommand = keyof typeof ODOO_COMMANDS;

export interface AccessNeed {
  readonly model: string;
  readonly operations: readonly OdooOperation[];
  /** What the command does with it. */
  readonly why: string;
  /** The least group granting it in a standard database, e.g. `mrp.group_mrp_user (Manufacturing / User)`. */
  readonly group: string;
  /** Needed only on some paths: a missing right is a warning, and this says when it matters. */
  readonly onlyWhen?: string;
  /** An optional model (an Enterprise module): not installed means not needed. */
  readonly optionalModel?: boolean;
}

const MRP_USER = 'mrp.group_mrp_user (Manufacturing / User)';
const INTERNAL = 'base.group_user (Internal User)';
const STOCK_USER = 'stock.group_stock_user (Inventory / User)';

/** Master data: work centers by code, losses by xml id or name, the user's company. */
const MASTER_DATA: readonly AccessNeed[] = [
  { model: 'mrp.workcenter', operations: ['read'], why: 'work centers by code', group: MRP_USER },
  { model: 'mrp.workcenter.productivity.loss', operations: ['read'], why: 'the loss mapping', group: MRP_USER },
  { model: 'ir.model.data', operations: ['read'], why: 'losses by external id', group: INTERNAL },
  { model: 'res.users', operations: ['read'], why: "the API user's company", group: INTERNAL },
];

export const ODOO_ACCESS_NEEDS: Readonly<Record<OdooCommand, readonly AccessNeed[]>> = {
  post: [
    ...MASTER_DATA,
    {
      model: 'mrp.workcenter.productivity',
      operations: ['read', 'create', 'unlink'],
      why: 'the shift records: search markers, create, replace an older revision',
      group: MRP_USER,
    },
    {
      model: 'mrp.workcenter.productivity',
      operations: ['write'],
      why: 'moving the start of live downtime records past a posted shift',
      group: MRP_USER,
      onlyWhen: "'post --milestones' also runs for the plant",
    },
  ],
  milestones: [
    ...MASTER_DATA,
    {
      model: 'mrp.workcenter.productivity',
      operations: ['read', 'create', 'write', 'unlink'],
      why: 'live downtime and quality holds: open, close, clip to posted shifts',
      group: MRP_USER,
    },
    { model: 'mrp.production', operations: ['read'], why: 'the order a milestone names', group: MRP_USER },
    { model: 'mrp.workorder', operations: ['read', 'write'], why: 'quantity_completed', group: MRP_USER },
    {
      model: 'stock.scrap',
      operations: ['read', 'create'],
      why: 'draft scrap orders for scrap_recorded and failed inspections with scrapOnFail',
      group: 'stock.group_stock_user (Inventory / User)',
    },
    {
      model: 'ir.model',
      operations: ['read'],
      why: 'whether Enterprise Quality (quality.check, quality.alert) is installed',
      group: INTERNAL,
    },
    {
      model: 'quality.check',
      operations: ['read', 'create', 'write'],
      why: 'inspections as quality checks: search markers, create, do_pass / do_fail',
      group: 'quality.group_quality_user (Quality / User, Enterprise)',
      optionalModel: true,
    },
    {
      model: 'quality.alert',
      operations: ['read', 'create'],
      why: 'inspection_failed as a quality alert on its check',
      group: 'quality.group_quality_user (Quality / User, Enterprise)',
      optionalModel: true,
    },
    {
      model: 'quality.alert.team',
      operations: ['read'],
      why: 'the quality team of checks and alerts',
      group: 'quality.group_quality_user (Quality / User, Enterprise)',
      optionalModel: true,
    },
    {
      model: 'quality.point.test_type',
      operations: ['read'],
      why: 'the test type of a check (measure or passfail)',
      group: 'quality.group_quality_user (Quality / User, Enterprise)',
      optionalModel: true,
    },
    {
      model: 'mrp.production',
      operations: ['write'],
      why: 'inspection_failed as a note on the production (message_post needs write)',
      group: MRP_USER,
      onlyWhen: 'quality.alert is not installed',
    },
    {
      model: 'mrp.workcenter',
      operations: ['write'],
      why: 'inspection_failed without an order, as a note on the work center',
      group: 'mrp.group_mrp_manager (Manufacturing / Administrator)',
      onlyWhen: 'quality.alert is not installed and a milestone has no order',
    },
    { model: 'mail.message', operations: ['read'], why: 'finding a note posted before a retry', group: INTERNAL },
  ],
  orders: [
    ...MASTER_DATA,
    { model: 'mrp.workorder', operations: ['read'], why: 'the released work orders', group: MRP_USER },
    { model: 'mrp.production', operations: ['read'], why: "the production's state and name", group: MRP_USER },
    {
      model: 'maintenance.request',
      operations: ['read'],
      why: 'planned maintenance: the scheduled preventive requests',
      group: INTERNAL,
      onlyWhen: 'the topology lists maintenance.equipment',
    },
    {
      model: 'maintenance.equipment',
      operations: ['read'],
      why: 'planned maintenance: the equipment the topology lists',
      group: INTERNAL,
      onlyWhen: 'the topology lists maintenance.equipment',
    },
  ],
  maintenance: [
    ...MASTER_DATA,
    {
      model: 'maintenance.request',
      operations: ['read', 'create', 'write'],
      why: 'corrective requests from downtime: search markers and cooldowns, create, update the facts',
      group: INTERNAL,
    },
    { model: 'maintenance.equipment', operations: ['read'], why: 'the equipment a rule names', group: INTERNAL },
    { model: 'maintenance.team', operations: ['read'], why: 'the team a rule names', group: INTERNAL },
  ],
  quantities: [
    ...MASTER_DATA,
    {
      model: 'mrp.workorder',
      operations: ['read', 'write'],
      why: "the share's work order; qty_produced as the difference to earlier revisions",
      group: MRP_USER,
    },
    {
      model: 'mrp.production',
      operations: ['read', 'write'],
      why: 'product and company for scrap; the quantity note (message_post needs write on the document)',
      group: MRP_USER,
    },
    {
      model: 'stock.scrap',
      operations: ['read', 'create', 'write'],
      why: 'scrap per order share: create, action_validate (or do_scrap with --insufficient-scrap confirm)',
      group: 'stock.group_stock_user (Inventory / User)',
    },
    {
      model: 'mail.message',
      operations: ['read'],
      why: 'the quantity notes (recovering a lost ledger)',
      group: INTERNAL,
    },
    {
      model: 'stock.scrap.reason.tag',
      operations: ['read'],
      why: 'the scrap reason named by topology odoo.scrapReason',
      group: 'stock.group_stock_user (Inventory / User)',
      onlyWhen: 'the topology sets odoo.scrapReason',
    },
  ],
  material: [
    ...MASTER_DATA,
    {
      model: 'mrp.production',
      operations: ['read', 'write'],
      why: 'the order of an event; its producing lot; the consumption notes (message_post needs write)',
      group: MRP_USER,
    },
    { model: 'mrp.workorder', operations: ['read'], why: 'the running work order at an instant', group: MRP_USER },
    {
      model: 'stock.move',
      operations: ['read', 'create', 'write'],
      why: "the production's component move (manual_consumption); the move of a transfer",
      group: STOCK_USER,
    },
    {
      model: 'stock.move.line',
      operations: ['read', 'create', 'write'],
      why: 'consumption lines (lot, location, quantity, picked) and the line of a transfer',
      group: STOCK_USER,
    },
    { model: 'stock.lot', operations: ['read', 'create'], why: 'consumed lots; produced lots', group: STOCK_USER },
    {
      model: 'stock.picking',
      operations: ['read', 'create', 'write'],
      why: 'inventory moves: the internal transfer, button_validate',
      group: STOCK_USER,
    },
    { model: 'stock.picking.type', operations: ['read'], why: 'the internal operation type', group: STOCK_USER },
    { model: 'stock.location', operations: ['read'], why: 'locations by full name', group: STOCK_USER },
    // One of the two exists: 19 replaced stock.quant.package with stock.package.
    {
      model: 'stock.quant.package',
      operations: ['read', 'create'],
      why: "an inventory move's package, found or created by name (17/18)",
      group: STOCK_USER,
      optionalModel: true,
    },
    {
      model: 'stock.package',
      operations: ['read', 'create'],
      why: "an inventory move's package, found or created by name (19)",
      group: STOCK_USER,
      optionalModel: true,
    },
    {
      model: 'stock.quant',
      operations: ['read'],
      why: 'the stock available at the source of a transfer (--insufficient refuse), packed goods at the source',
      group: STOCK_USER,
    },
    { model: 'product.product', operations: ['read'], why: 'products by default_code and unit', group: INTERNAL },
    { model: 'mail.message', operations: ['read'], why: 'the consumption notes (markers)', group: INTERNAL },
  ],
  reconcile: [
    ...MASTER_DATA,
    {
      model: 'mrp.workcenter.productivity',
      operations: ['read'],
      why: 'the posted shift records',
      group: MRP_USER,
    },
  ],
};

export interface AccessFinding {
  readonly command: OdooCommand;
  readonly need: AccessNeed;
  readonly operation: OdooOperation;
  /** `not-installed`: an optional model the database does not have. */
  readonly result: 'allowed' | 'denied' | 'not-installed';
}

/** Asks Odoo whether its API user holds one right (the version-correct method, see the file's head). */
export async function hasOdooAccess(client: OdooClient, model: string, operation: OdooOperation): Promise<boolean> {
  const v = await client.version();
  const method = v.major >= 18 ? 'has_access' : 'check_access_rights';
  const answer =
    v.major >= 18
      ? await client.callMethod(model, 'has_access', [], { operation })
      : await client.callMethod(model, 'check_access_rights', null, { operation, raise_exception: false });
  if (typeof answer !== 'boolean') {
    throw new OdooError(
      'SHIFTSTREAM_ODOO_PROTOCOL',
      `odoo ${model}.${method}(${operation}): expected true or false, found ${JSON.stringify(answer)}`,
      { details: { model, method, operation } },
    );
  }
  return answer;
}

/**
 * Checks every right the given commands need, each (model, operation) once. Models absent from
 * `ir.model` are `not-installed` when optional; a required one absent fails like Odoo would.
 */
export async function checkOdooAccess(client: OdooClient, commands: readonly OdooCommand[]): Promise<AccessFinding[]> {
  const needs = commands.flatMap((command) => ODOO_ACCESS_NEEDS[command].map((need) => ({ command, need })));
  const optional = [...new Set(needs.filter((n) => n.need.optionalModel === true).map((n) => n.need.model))];
  const installed = new Set(
    optional.length === 0
      ? []
      : (await client.searchRead<{ model: string }>('ir.model', [['model', 'in', optional]], ['model'])).map(
          (r) => r.model,
        ),
  );
  const answers = new Map<string, boolean>();
  const findings: AccessFinding[] = [];
  for (const { command, need } of needs) {
    for (const operation of need.operations) {
      if (need.optionalModel === true && !installed.has(need.model)) {
        findings.push({ command, need, operation, result: 'not-installed' });
        continue;
      }
      const key = `${need.model}:${operation}`;
      let allowed = answers.get(key);
      if (allowed === undefined) {
        allowed = await hasOdooAccess(client, need.model, operation);
        answers.set(key, allowed);
      }
      findings.push({ command, need, operation, result: allowed ? 'allowed' : 'denied' });
    }
  }
  return findings;
}
