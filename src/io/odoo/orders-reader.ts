// Reads back what `post --kind orders` left in Odoo, for `reconcile --kind orders`
// (engine/reconcile-orders.ts): the work orders of the given shares (qty_produced), the quantity
// notes on their productions and the marked scraps, grouped by share key.
import type { OrderSummary } from '../../core/types.js';
import type { ShareInOdoo } from '../../ports/order-quantities.js';
import type { OdooClient } from './client.js';
import {
  ORDER_QTY_MARKER,
  ORDER_SCRAP_MARKER,
  SCRAP_MODEL,
  WORKORDER_MODEL,
  parseQuantityNote,
  postedGoodOf,
  type QuantityNote,
} from './orders-poster.js';
import type { ResolvedTargets } from './productivity-records.js';
import { m2oId } from './values.js';

const SCRAP_ORIGIN = /\[shiftstream-order-scrap:([0-9a-f]{32})@(\d+)\] \S+?\/(\S+) (\S+)/;
const NOTE_WHERE = /\(shiftstream: \S+?\/(\S+) shift (\S+) order/;

export interface OrdersInOdoo {
  readonly odoo: Map<string, ShareInOdoo>;
  readonly workOrders: Map<number, number>;
}

export async function readOrdersInOdoo(options: {
  readonly client: OdooClient;
  readonly shares: readonly OrderSummary[];
  readonly targets: ResolvedTargets;
}): Promise<OrdersInOdoo> {
  const { client, shares, targets } = options;
  const woIds = new Set<number>();
  for (const s of shares) {
    if (s.workOrderId !== null) {
      woIds.add(s.workOrderId);
      continue;
    }
    const wc = targets.workCenters.get(s.workCenterId);
    if (wc === undefined || s.orderRef === null) continue;
    for (const id of await client.search(WORKORDER_MODEL, [
      ['production_id.name', '=', s.orderRef],
      ['workcenter_id', '=', wc.odooId],
    ]))
      woIds.add(id);
  }
  const wos =
    woIds.size === 0
      ? []
      : await client.searchRead<{ id: number; qty_produced: unknown; production_id: unknown }>(
          WORKORDER_MODEL,
          [['id', 'in', [...woIds]]],
          ['id', 'qty_produced', 'production_id'],
        );
  const workOrders = new Map(wos.map((w) => [w.id, Number(w.qty_produced ?? 0)]));
  const mos = [...new Set(wos.map((w) => m2oId(w.production_id)).filter((x): x is number => x !== null))];
  const odoo = new Map<string, ShareInOdoo>();
  if (mos.length === 0) return { odoo, workOrders };
  const noteRows = await client.searchRead<{ id: number; body: unknown; res_id: unknown }>(
    'mail.message',
    [
      ['model', '=', 'mrp.production'],
      ['res_id', 'in', mos],
      ['body', 'ilike', ORDER_QTY_MARKER],
    ],
    ['id', 'body', 'res_id'],
  );
  const notes: (QuantityNote & { where: RegExpExecArray | null })[] = noteRows
    .flatMap((r) => {
      const n = parseQuantityNote(r.id, r.body);
      return n === null ? [] : [{ ...n, where: NOTE_WHERE.exec(String(r.body)) }];
    })
    .sort((a, b) => a.id - b.id);
  const entry = (key: string, wc: string, shift: string): ShareInOdoo => {
    const cur = odoo.get(key);
    if (cur !== undefined) return cur;
    const e: ShareInOdoo = {
      key,
      good: null,
      goodRevision: null,
      workOrderId: null,
      scrap: 0,
      scrapIds: [],
      draftScrap: 0,
      workCenterId: wc,
      shift,
    };
    odoo.set(key, e);
    return e;
  };
  for (const key of new Set(notes.map((n) => n.key))) {
    const mine = notes.filter((n) => n.key === key);
    const last = mine[mine.length - 1]!;
    const onWo = notes.filter((n) => n.woId === last.woId);
    const posted = postedGoodOf(key, onWo, workOrders.get(last.woId) ?? Number.NaN);
    const e = entry(key, last.where?.[1] ?? '?', last.where?.[2] ?? '?');
    odoo.set(key, {
      ...e,
      good: posted.revision === 0 ? null : posted.good,
      goodRevision: posted.revision === 0 ? null : posted.revision,
      workOrderId: last.woId,
    });
  }
  const scraps = await client.searchRead<{ id: number; scrap_qty: unknown; state: unknown; origin: unknown }>(
    SCRAP_MODEL,
    [
      ['production_id', 'in', mos],
      ['origin', 'ilike', ORDER_SCRAP_MARKER],
    ],
    ['id', 'scrap_qty', 'state', 'origin', 'workorder_id'],
  );
  for (const r of scraps) {
    const m = SCRAP_ORIGIN.exec(String(r.origin));
    if (m === null) continue;
    const e = entry(m[1] as string, m[3] as string, m[4] as string);
    const q = Number(r.scrap_qty ?? 0);
    odoo.set(
      e.key,
      r.state === 'done'
        ? { ...e, scrap: Math.round((e.scrap + q) * 1e6) / 1e6, scrapIds: [...e.scrapIds, r.id] }
        : { ...e, draftScrap: e.draftScrap + q },
    );
  }
  return { odoo, workOrders };
}
