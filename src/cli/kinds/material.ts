// Posting kind `material` (`post --kind material`): material milestones (lot_consumed, lot_produced,
// inventory_move; docs/semantics.md section 13) from the milestones topic (mapped plant tags and MQTT
// topics) and from the canonical material topic (scanners, WMS gateways) -> component move lines,
// produced lots and validated internal transfers (io/odoo/material-poster.ts).
import { EMPTY_MATERIAL_PLAN } from '../../core/material.js';
import { reconcileMaterial, type KeyedEvent } from '../../engine/reconcile-material.js';
import {
  createMaterialItemPoster,
  materialItem,
  materialLedgerOn,
  MATERIAL_SERVICE,
} from '../../io/odoo/material-poster.js';
import { readMaterialInOdoo } from '../../io/odoo/material-reader.js';
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
  outputs: (plan) => [{ topic: materialOf(plan).genealogyTopic, compacted: true }],
  service: MATERIAL_SERVICE,
  flags: {
    insufficient: flag.oneOf(
      '<x>',
      'an inventory move of a storable product whose internal source holds less than its quantity:\n' +
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
  reconcile: {
    help:
      'material: reads the milestones and material topics from the beginning to their current end\n' +
      'offsets and, for each distinct material event with its instant in [from, to), compares with\n' +
      'Odoo (the consumption notes and the lines they point at, the producing lots, the marked transfers):\n' +
      '  missing   an event with nothing in Odoo\n' +
      '  extra     a consumption note or transfer of the plant in the range that no event has\n' +
      '  altered   a note, a line (not the sum of its notes), a transfer or a produced lot that differs',
    flags: {},
    async run(ctx) {
      const { runtime, kafka } = ctx;
      const plan = materialOf(runtime.plan);
      // A plant without material codes posts no material (and may have no material topic).
      if (plan.products.size === 0)
        return {
          differences: [],
          json: { skipped: 'no material.products in the topology' },
          summary: 'not compared (the topology maps no material products)',
        };
      const byKey = new Map<string, KeyedEvent>();
      let unreadable = 0;
      let rejected = 0;
      for (const topic of [runtime.plan.topics.milestones, plan.topic])
        await kafka.readAll({
          topic,
          purpose: 'reconcile',
          timeoutMs: ctx.timeoutMs,
          onRecords: async (records) => {
            await runtime.codecs.prepare(records.map((r) => r.value));
            for (const r of records) {
              if (r.value === null) continue;
              const d = runtime.codecs.milestone.decode(r.value);
              if (!d.ok) {
                unreadable += 1;
                continue;
              }
              if (d.value.plantId !== runtime.plan.plant.plantId) continue;
              if (!['lot_consumed', 'lot_produced', 'inventory_move'].includes(d.value.kind)) continue;
              const item = materialItem(plan, d.value);
              if (item.event === null) rejected += 1;
              else byKey.set(item.key, { key: item.key, event: item.event });
            }
          },
        });
      const events = [...byKey.values()];
      const produced = new Map<string, string[]>();
      for (const { event: e } of events)
        if (e.kind === 'lot_produced' && e.orderRef !== null && e.lot !== null)
          produced.set(e.orderRef, [...(produced.get(e.orderRef) ?? []), e.lot]);
      const odoo = await readMaterialInOdoo({
        client: runtime.odoo.client,
        plantId: runtime.plan.plant.plantId,
        produced,
      });
      const result = reconcileMaterial({ events, fromMs: ctx.fromMs, toMs: ctx.toMs, odoo });
      return {
        differences: result.differences,
        json: result,
        summary:
          `${result.events} material event(s), ${result.inOdoo} in Odoo, ${result.differences.length} difference(s)` +
          (rejected > 0 ? `, ${rejected} rejected event(s) not compared` : '') +
          (unreadable > 0 ? `, ${unreadable} unreadable topic record(s)` : ''),
      };
    },
  },
});
