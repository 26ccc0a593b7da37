// Posting kind `material` (`post --kind material`): material milestones (lot_consumed, lot_produced,
// inventory_move; docs/semantics.md section 13) from the milestones topic (mapped plant tags and MQTT
// topics) and from the canonical material topic (scanners, WMS gateways) -> component move lines,
// produced lots and validated internal transfers (io/odoo/material-poster.ts).
import { EMPTY_MATERIAL_PLAN } from '../../core/material.js';
import { createMaterialItemPoster, materialLedgerOn, MATERIAL_SERVICE } from '../../io/odoo/material-poster.js';
import type { TopologyPlan } from '../../topology/types.js';
import { WRITE_RETRY } from '../odoo-wiring.js';
import { definePostingKind, flag } from '../posting-kind.js';

export const materialOf = (plan: TopologyPlan) => plan.material ?? EMPTY_MATERIAL_PLAN(plan.plant.plantId);

export const materialKind = definePostingKind({
  name: 'material',
  summary: 'lot consumption, produced lots and inventory moves -> move lines, stock.lot, transfers',
  help:
    'Consumes the milestones topic and the canonical material topic (topology material.topic,\n' +
    'Milestone Avro) and posts each material event once: lot_consumed as a picked stock.move.line\n' +
    "(lot, location, quantity) on the production's component move (manual_consumption), lot_produced\n" +
    "as a stock.lot of the production's product and company set as the production's producing lot,\n" +
    'inventory_move as an internal stock.picking validated without wizard (skip_backorder). Codes are\n' +
    "mapped by the topology's material section; an event with an unknown code, a closed production,\n" +
    'an unknown lot or an Odoo refusal is dead-lettered with the reason. Idempotent through a Redis\n' +
    'ledger and markers in Odoo (a chatter note per consumption, the origin of each transfer).',
  inputs: (plan) => [
    { topic: plan.topics.milestones, schema: 'Milestone' },
    { topic: materialOf(plan).topic, schema: 'Milestone' },
  ],
  service: MATERIAL_SERVICE,
  flags: {
    insufficient: flag.oneOf(
      '<x>',
      'an inventory move whose source holds less than its quantity:\n' +
        'refuse (dead letter, default) or allow (the quant goes negative, as Odoo allows)',
      ['refuse', 'allow'],
      'refuse',
    ),
  },
  create: (runtime, f) =>
    createMaterialItemPoster({
      client: runtime.odoo.client,
      ledger: materialLedgerOn(runtime.odoo.kv),
      plan: materialOf(runtime.plan),
      workCenterId: async (wc) => (await runtime.odoo.targets()).workCenters.get(wc)?.odooId,
      retry: WRITE_RETRY,
      insufficient: f.insufficient,
      codecs: runtime.codecs,
    }),
});
