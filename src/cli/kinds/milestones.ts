// Posting kind `milestones` (`post --kind milestones`, alias `--milestones`): each milestone at once
// (io/odoo/milestone-poster.ts): live downtime, quantities and scrap of the order, inspections
// (quality checks and alerts, or notes and scrap) and quality holds.
import type { MilestoneRecord } from '../../core/milestones.js';
import type { PlantPlan } from '../../core/plan.js';
import { createMilestoneItemPoster, milestoneLedgerOn, MILESTONE_SERVICE } from '../../io/odoo/milestone-poster.js';
import { WRITE_RETRY } from '../odoo-wiring.js';
import { definePostingKind, flag } from '../posting-kind.js';

/** Topology `scrapOnFail` of a milestone's inspection tag (docs/topology.md), null when none. */
export function scrapOnFailOf(plant: PlantPlan): (m: MilestoneRecord) => number | null {
  return (m) => {
    const t = m.tag === null ? undefined : plant.tags.get(m.tag);
    return t?.kind === 'milestone' ? (t.inspection?.scrapOnFail ?? null) : null;
  };
}

export const milestonesKind = definePostingKind({
  name: 'milestones',
  summary: 'milestones, each at once: live downtime, quantities, scrap, inspections',
  help:
    'Consumes the milestones topic and posts each milestone at once: machine_down opens a\n' +
    'productivity record (no date_end), machine_up closes it, quantity_completed writes the work\n' +
    'order, scrap_recorded creates a draft stock.scrap; inspection_passed/failed become a\n' +
    'quality.check (and a quality.alert when failed) with Enterprise Quality, else a chatter note\n' +
    'on the production order (and a draft scrap where the tag says scrapOnFail); quality_hold\n' +
    'opens a quality-loss productivity record, quality_release closes it.',
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
      scrapOnFail: scrapOnFailOf(runtime.plan.plant),
      codecs: runtime.codecs,
    }),
});
