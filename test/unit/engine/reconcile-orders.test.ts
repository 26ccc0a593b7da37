// reconcile --kind orders, the comparison (engine/reconcile-orders.ts): the last final revision of
// each order share against what Odoo holds of it, and each work order's qty_produced against the
// sum of its shares.
import { describe, expect, it } from 'vitest';
import type { OrderSummary } from '../../../src/core/types.js';
import { latestOrderShares, reconcileOrders } from '../../../src/engine/reconcile-orders.js';
import type { ShareInOdoo } from '../../../src/ports/order-quantities.js';
import { share } from '../../support/order-shares.js';

const keyOf = (s: OrderSummary): string => `${s.workCenterId}|${s.windowId}|${s.orderRef ?? ''}`;
const A = { ref: 'WH/MO/1', woId: 11 };
const B = { ref: 'WH/MO/2', woId: 12 };
const FROM = Date.UTC(2026, 2, 1);
const TO = Date.UTC(2026, 2, 10);

function inOdoo(s: OrderSummary, good: number | null, scrap: number, extra: Partial<ShareInOdoo> = {}): ShareInOdoo {
  return {
    key: keyOf(s),
    good,
    goodRevision: good === null ? null : s.revision,
    workOrderId: s.workOrderId,
    scrap,
    scrapIds: scrap > 0 ? [900 + s.revision] : [],
    draftScrap: 0,
    workCenterId: s.workCenterId,
    shift: s.windowId,
    ...extra,
  };
}

describe('reconcileOrders', () => {
  const a0r1 = share(0, A, 1, 100, 2);
  const a0r2 = share(0, A, 2, 80, 3);
  const a1 = share(1, A, 1, 50, 0);
  const b0 = share(0, B, 1, 30, 1, 'wc-2');
  const none = share(0, { ref: null, woId: null }, 1, 5, 5);
  const summaries = [a0r1, a1, a0r2, b0, none, { ...share(2, A, 1, 9, 9), final: false }];

  it('keeps the last final revision of each share with an order', () => {
    expect(latestOrderShares(summaries, keyOf).map((s) => `${s.windowId}@${s.revision}`)).toEqual([
      '2026-03-02/s1@2',
      '2026-03-03/s1@1',
      '2026-03-02/s1@1',
    ]);
  });

  it('finds nothing when Odoo holds exactly the last revisions', () => {
    const odoo = new Map([a0r2, a1, b0].map((s) => [keyOf(s), inOdoo(s, s.goodCount, s.scrapCount)]));
    const r = reconcileOrders({
      summaries,
      keyOf,
      fromMs: FROM,
      toMs: TO,
      odoo,
      workOrders: new Map([
        [11, 130],
        [12, 30],
      ]),
    });
    expect(r).toEqual({ shares: 3, workOrders: 2, differences: [] });
  });

  it('reports missing, extra, altered good, altered scrap and an altered work order', () => {
    const stray = inOdoo(share(5, A, 1, 0, 0), 7, 0, { key: 'gone', workCenterId: 'wc-1', shift: '2026-03-07/s1' });
    const odoo = new Map<string, ShareInOdoo>([
      [keyOf(a0r2), inOdoo(a0r2, 100, 2, { goodRevision: 1, draftScrap: 1 })],
      ['gone', stray],
    ]);
    const r = reconcileOrders({
      summaries,
      keyOf,
      fromMs: FROM,
      toMs: TO,
      odoo,
      workOrders: new Map([
        [11, 157],
        [12, 0],
      ]),
    });
    expect(r.differences.map((d) => [d.kind, d.workCenterId, d.shift, d.expected, d.found])).toEqual([
      ['altered-good', 'wc-1', '2026-03-02/s1', 'WH/MO/1 r2: good 80', 'good 100 (r1)'],
      [
        'altered-scrap',
        'wc-1',
        '2026-03-02/s1',
        'WH/MO/1 r2: scrap 3',
        'scrap 2 in 1 validated stock.scrap (+1 in draft)',
      ],
      ['missing', 'wc-1', '2026-03-03/s1', 'WH/MO/1 r1: good 50, scrap 0', 'nothing of this order and shift in Odoo'],
      ['missing', 'wc-2', '2026-03-02/s1', 'WH/MO/2 r1: good 30, scrap 1', 'nothing of this order and shift in Odoo'],
      ['extra', 'wc-1', '2026-03-07/s1', 'nothing (no order summary of this share in Kafka)', 'good 7, scrap 0'],
      ['altered-work-order', 'wc-1', '*', 'qty_produced 130 (the sum over its shares)', 'qty_produced 157'],
      ['altered-work-order', 'wc-2', '*', 'qty_produced 30 (the sum over its shares)', 'qty_produced 0'],
    ]);
  });

  it('compares only shares overlapping the range; a share without good or scrap needs nothing in Odoo', () => {
    const empty = share(3, A, 1, 0, 0);
    const r = reconcileOrders({
      summaries: [a0r2, empty],
      keyOf,
      fromMs: Date.UTC(2026, 2, 5),
      toMs: TO,
      odoo: new Map(),
      workOrders: new Map(),
    });
    expect(r).toEqual({ shares: 1, workOrders: 0, differences: [] });
  });
});
