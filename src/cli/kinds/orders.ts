// Posting kind `orders` (`post --kind orders`): order summaries (docs/semantics.md section 11) ->
// each share's good count on its mrp.workorder (qty_produced, as the difference to earlier
// revisions) and its scrap as validated stock.scrap (io/odoo/orders-poster.ts); `reconcile --kind
// orders` compares what Odoo holds with the last revisions (engine/reconcile-orders.ts).
import type { OrderSummary } from '../../core/types.js';
import { latestOrderShares, reconcileOrders } from '../../engine/reconcile-orders.js';
import { UsageError } from '../../errors.js';
import { createOrdersItemPoster, orderShareKey, ordersLedgerOn, ORDERS_SERVICE } from '../../io/odoo/orders-poster.js';
import { readOrdersInOdoo } from '../../io/odoo/orders-reader.js';
import { WRITE_RETRY } from '../odoo-wiring.js';
import { definePostingKind, flag } from '../posting-kind.js';

export const ordersKind = definePostingKind({
  name: 'orders',
  summary: 'order summaries -> work-order quantities and validated scrap',
  help:
    "Consumes the topology's order-summary topic (OrderSummary Avro) and posts each final share of an\n" +
    "order: its good count to the share's mrp.workorder (qty_produced, as the difference to what\n" +
    'earlier revisions of the same order and shift posted) and its scrap as a stock.scrap linked to the\n' +
    'production and the work order, validated. Idempotent through a Redis ledger and markers in Odoo\n' +
    '(a chatter note per quantity write, the origin of each scrap). Needs topology odoo.quantities:\n' +
    'orders. Time is not posted here: the shift records carry workorder_id.',
  inputs: (plan) => [{ topic: plan.topics.orderSummaries, schema: 'OrderSummary', compacted: true }],
  service: ORDERS_SERVICE,
  flags: {
    'insufficient-scrap': flag.oneOf(
      '<x>',
      'when action_validate answers with the insufficient-quantity wizard:\n' +
        'refuse (dead letter, default) or confirm (do_scrap, as the wizard)',
      ['refuse', 'confirm'],
      'refuse',
    ),
  },
  create: (runtime, f) => {
    if (runtime.plan.odoo.quantities !== 'orders')
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `post --kind orders: ${runtime.plan.source} odoo.quantities: expected orders (quantities come from ` +
          `order summaries), found ${runtime.plan.odoo.quantities ?? 'milestones'} (the milestone poster posts ` +
          'them; a plant never posts both)',
      );
    return createOrdersItemPoster({
      client: runtime.odoo.client,
      ledger: ordersLedgerOn(runtime.odoo.kv),
      mapping: runtime.plan.odoo,
      targets: runtime.odoo.targets,
      retry: WRITE_RETRY,
      insufficientScrap: f['insufficient-scrap'],
      codecs: runtime.codecs,
    });
  },
  reconcile: {
    help:
      'orders: reads the order-summary topic from the beginning to its current end offsets and, for the\n' +
      'last final revision of each order share (plant, work center, shift, order) overlapping [from, to),\n' +
      "compares with Odoo: the good count of the share's last quantity note that reached the work order,\n" +
      "the sum of its validated marked stock.scrap, and each work order's qty_produced with the sum over\n" +
      'its shares. Prints a table:\n' +
      '  missing             nothing of the share in Odoo, though it has good or scrap\n' +
      '  extra               Odoo holds a share of ours that no order summary in Kafka has\n' +
      '  altered-good        the posted good count differs from the last revision\n' +
      '  altered-scrap       the validated scrap differs (a lowered scrap, a draft, a deleted scrap)\n' +
      '  altered-work-order  qty_produced differs from the sum of its shares (entered by hand?)',
    flags: {},
    async run(ctx) {
      const { runtime, kafka } = ctx;
      const plan = runtime.plan;
      // A plant posting quantities from milestones has no order shares to compare (and maybe no topic).
      if (plan.odoo.quantities !== 'orders')
        return {
          differences: [],
          json: { skipped: 'odoo.quantities is not orders' },
          summary: 'not compared (topology odoo.quantities is not orders)',
        };
      const all: OrderSummary[] = [];
      let unreadable = 0;
      await kafka.readAll({
        topic: plan.topics.orderSummaries,
        purpose: 'reconcile',
        timeoutMs: ctx.timeoutMs,
        onRecords: async (records) => {
          await runtime.codecs.prepare(records.map((r) => r.value));
          for (const r of records) {
            if (r.value === null) continue;
            const d = runtime.codecs.orderSummary.decode(r.value);
            if (d.ok) all.push(d.value);
            else unreadable += 1;
          }
        },
      });
      const mine = all.filter((s) => s.plantId === plan.plant.plantId);
      const shares = latestOrderShares(mine, orderShareKey).filter((s) => s.startMs < ctx.toMs && s.endMs > ctx.fromMs);
      const inOdoo = await readOrdersInOdoo({
        client: runtime.odoo.client,
        shares,
        targets: await runtime.odoo.targets(),
      });
      const result = reconcileOrders({
        summaries: mine,
        keyOf: orderShareKey,
        fromMs: ctx.fromMs,
        toMs: ctx.toMs,
        odoo: inOdoo.odoo,
        workOrders: inOdoo.workOrders,
      });
      return {
        differences: result.differences,
        json: result,
        summary:
          `${result.shares} order share(s), ${result.workOrders} work order(s), ` +
          `${result.differences.length} difference(s)` +
          (unreadable > 0 ? `, ${unreadable} unreadable topic record(s)` : ''),
      };
    },
  },
});
