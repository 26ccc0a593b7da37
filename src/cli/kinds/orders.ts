// Posting kind `orders` (`post --kind orders`): order summaries (docs/semantics.md section 11) ->
// each share's good count on its mrp.workorder (qty_produced, as the difference to earlier
// revisions) and its scrap as validated stock.scrap (io/odoo/orders-poster.ts); `reconcile --kind
// orders` compares what Odoo holds with the last revisions (engine/reconcile-orders.ts).
import { UsageError } from '../../errors.js';
import { createOrdersItemPoster, ordersLedgerOn, ORDERS_SERVICE } from '../../io/odoo/orders-poster.js';
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
});
