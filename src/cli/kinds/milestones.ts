// Posting kind `milestones` (`post --kind milestones`, alias `--milestones`): each milestone at once
// (io/odoo/milestone-poster.ts): live downtime, quantities and scrap of the order, failed inspections.
import { createMilestoneItemPoster, milestoneLedgerOn, MILESTONE_SERVICE } from '../../io/odoo/milestone-poster.js';
import { WRITE_RETRY } from '../odoo-wiring.js';
import { definePostingKind, flag } from '../posting-kind.js';

export const milestonesKind = definePostingKind({
  name: 'milestones',
  summary: 'milestones, each at once: live downtime, quantities, scrap, inspections',
  help:
    'Consumes the milestones topic and posts each milestone at once: machine_down opens a\n' +
    'productivity record (no date_end), machine_up closes it, quantity_completed writes the work\n' +
    'order, scrap_recorded creates a draft stock.scrap, inspection_failed posts a quality alert\n' +
    '(Enterprise) or a chatter note on the production order.',
  inputs: (plan) => [{ topic: plan.topics.milestones, schema: 'Milestone' }],
  service: MILESTONE_SERVICE,
  flags: {
    'quantity-field': flag.oneOf(
      '<f>',
      'mrp.workorder field for quantity_completed: qty_produced (default)\n' + 'or qty_producing',
      ['qty_produced', 'qty_producing'],
      'qty_produced',
    ),
  },
  create: (runtime, f) =>
    createMilestoneItemPoster({
      client: runtime.odoo.client,
      ledger: milestoneLedgerOn(runtime.odoo.kv),
      mapping: runtime.plan.odoo,
      targets: runtime.odoo.targets,
      retry: WRITE_RETRY,
      quantityField: f['quantity-field'],
      codecs: runtime.codecs,
    }),
});
