// Reconciliation of quantities (`reconcile --kind orders`): what Odoo holds for each order share
// (the good count of its last applied quantity note, the sum of its validated marked scraps) and
// each work order's qty_produced, against the last revision of each final order summary. Both
// sides arrive as data (the Odoo side is read by io/odoo/orders-reader.ts); this module compares.
import type { OrderSummary } from '../core/types.js';
import type { ShareInOdoo } from '../ports/order-quantities.js';
import type { ReconcileRow } from './reconcile.js';

export type OrderDifferenceKind = 'missing' | 'extra' | 'altered-good' | 'altered-scrap' | 'altered-work-order';

export interface OrderDifference extends ReconcileRow {
  readonly kind: OrderDifferenceKind;
  readonly key: string;
}

export interface OrdersReconcileInput {
  /** Every order summary read from the topic (all revisions); the last final revision of each share counts. */
  readonly summaries: readonly OrderSummary[];
  /** Share key of a summary (the poster's own function). */
  readonly keyOf: (s: OrderSummary) => string;
  /** Shares overlapping [fromMs, toMs) are compared. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Odoo's side, by share key, for the work orders of the compared shares. */
  readonly odoo: ReadonlyMap<string, ShareInOdoo>;
  /** Work order id -> qty_produced as Odoo holds it (the compared shares' work orders). */
  readonly workOrders: ReadonlyMap<number, number>;
}

export interface OrdersReconcileResult {
  readonly shares: number;
  readonly workOrders: number;
  readonly differences: readonly OrderDifference[];
}

const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
const qty = (x: number): number => Math.round(x * 1e6) / 1e6;

/** The last final revision of each order share (plant, work center, shift, order); no-order shares left out. */
export function latestOrderShares(
  summaries: Iterable<OrderSummary>,
  keyOf: (s: OrderSummary) => string,
): OrderSummary[] {
  const best = new Map<string, OrderSummary>();
  for (const s of summaries) {
    if (!s.final || s.orderRef === null) continue;
    const k = keyOf(s);
    const cur = best.get(k);
    if (cur === undefined || s.revision >= cur.revision) best.set(k, s);
  }
  return [...best.values()];
}

export function reconcileOrders(input: OrdersReconcileInput): OrdersReconcileResult {
  const all = latestOrderShares(input.summaries, input.keyOf);
  const inRange = all.filter((s) => s.startMs < input.toMs && s.endMs > input.fromMs);
  const differences: OrderDifference[] = [];
  const known = new Set(all.map(input.keyOf));
  const woOf = new Map<string, number | null>();
  for (const s of inRange) {
    const key = input.keyOf(s);
    const o = input.odoo.get(key);
    const wo = o?.workOrderId ?? s.workOrderId;
    woOf.set(key, wo);
    const at = { key, workCenterId: s.workCenterId, shift: s.windowId, odooId: wo };
    const label = `${s.orderRef ?? ''} r${s.revision}`;
    const nothing = o === undefined || (o.good === null && o.scrapIds.length === 0);
    if (nothing) {
      if (s.goodCount !== 0 || s.scrapCount !== 0)
        differences.push({
          kind: 'missing',
          ...at,
          expected: `${label}: good ${s.goodCount}, scrap ${s.scrapCount}`,
          found: 'nothing of this order and shift in Odoo',
        });
      continue;
    }
    if (!same(o.good ?? 0, s.goodCount))
      differences.push({
        kind: 'altered-good',
        ...at,
        expected: `${label}: good ${s.goodCount}`,
        found: o.good === null ? 'no quantity posted' : `good ${o.good} (r${o.goodRevision ?? '?'})`,
      });
    if (!same(o.scrap, s.scrapCount))
      differences.push({
        kind: 'altered-scrap',
        ...at,
        odooId: o.scrapIds[0] ?? wo,
        expected: `${label}: scrap ${s.scrapCount}`,
        found:
          `scrap ${o.scrap} in ${o.scrapIds.length} validated stock.scrap` +
          (o.draftScrap > 0 ? ` (+${o.draftScrap} in draft)` : ''),
      });
  }
  for (const o of input.odoo.values()) {
    if (known.has(o.key)) continue;
    differences.push({
      kind: 'extra',
      key: o.key,
      workCenterId: o.workCenterId,
      shift: o.shift,
      odooId: o.scrapIds[0] ?? o.workOrderId,
      expected: 'nothing (no order summary of this share in Kafka)',
      found: `good ${o.good ?? 0}, scrap ${o.scrap}`,
    });
  }
  // Each work order's qty_produced against the sum of the good counts of all its shares.
  const byWo = new Map<number, { sum: number; shift: string; workCenterId: string }>();
  for (const s of all) {
    const key = input.keyOf(s);
    const wo = woOf.get(key) ?? input.odoo.get(key)?.workOrderId ?? s.workOrderId;
    if (wo === null || !input.workOrders.has(wo)) continue;
    const cur = byWo.get(wo) ?? { sum: 0, shift: s.windowId, workCenterId: s.workCenterId };
    byWo.set(wo, { ...cur, sum: qty(cur.sum + s.goodCount) });
  }
  for (const [wo, e] of byWo) {
    const found = input.workOrders.get(wo) ?? 0;
    if (!same(found, e.sum))
      differences.push({
        kind: 'altered-work-order',
        key: `wo:${wo}`,
        workCenterId: e.workCenterId,
        shift: '*',
        odooId: wo,
        expected: `qty_produced ${e.sum} (the sum over its shares)`,
        found: `qty_produced ${found}`,
      });
  }
  return { shares: inRange.length, workOrders: byWo.size, differences };
}
