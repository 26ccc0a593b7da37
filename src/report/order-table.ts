// The report's per-order table (docs/semantics.md section 11): for each shift, one row per (work
// center, order share) with runtime, downtime by reason, good and scrap; "no order" is a row of its
// own. Fed with order summaries (order-summaries.ndjson, or the demo's topic): the last revision of
// each share counts, and a share whose last revision is a retraction is gone.
import { orderSummaryKey } from '../core/order-summary-key.js';
import type { OrderSummary } from '../core/types.js';
import { esc, fmtCount, fmtDuration, fmtDurationExact } from './format.js';

/** Keeps the last revision of each order share (a re-emission of the same revision replaces it). */
export class OrderSummaryCollector {
  private readonly byKey = new Map<string, OrderSummary>();

  add(o: OrderSummary): void {
    const key = orderSummaryKey(o);
    const prev = this.byKey.get(key);
    if (prev !== undefined && prev.revision > o.revision) return;
    this.byKey.set(key, o);
  }

  /** The shares whose last revision has time or samples (retractions left out). */
  summaries(): OrderSummary[] {
    return [...this.byKey.values()].filter((o) => o.lengthMs > 0 || o.samplesApplied > 0);
  }
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function reasons(o: OrderSummary): string {
  const list = Object.entries(o.downtimeByReason)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1] || byText(a[0], b[0]));
  if (list.length === 0) return '<span class="muted">none</span>';
  return list
    .map(([r, ms]) => `<span title="${esc(fmtDurationExact(ms))}">${esc(r)} <b>${esc(fmtDuration(ms))}</b></span>`)
    .join('<br>');
}

/** The per-order table of one shift instance of one plant, or '' when it has no order summaries. */
export function renderOrderTable(orders: readonly OrderSummary[], plantId: string, windowId: string): string {
  const mine = orders
    .filter((o) => o.plantId === plantId && o.windowId === windowId)
    .sort(
      (a, b) =>
        byText(a.workCenterId, b.workCenterId) ||
        (a.orderRef === b.orderRef
          ? 0
          : a.orderRef === null
            ? -1
            : b.orderRef === null
              ? 1
              : byText(a.orderRef, b.orderRef)),
    );
  if (mine.length === 0) return '';
  const rows = mine
    .map((o) => {
      const wo = o.workOrderId === null ? '' : ` <span class="muted">WO ${esc(String(o.workOrderId))}</span>`;
      const order = o.orderRef === null ? '<span class="muted">no order</span>' : `${esc(o.orderRef)}${wo}`;
      return (
        `<tr data-work-center="${esc(o.workCenterId)}" data-order="${esc(o.orderRef ?? '')}">` +
        `<th scope="row">${order}</th><td>${esc(o.workCenterId)}</td><td>${esc(o.windowId)}</td>` +
        `<td class="num" title="${esc(fmtDurationExact(o.lengthMs))} of the shift">` +
        `${esc(fmtDuration(o.runtimeMs))}</td>` +
        `<td class="num">${esc(fmtDuration(o.downtimeMs))}</td><td class="others">${reasons(o)}</td>` +
        `<td class="num">${esc(fmtCount(o.goodCount))}</td><td class="num">${esc(fmtCount(o.scrapCount))}</td></tr>`
      );
    })
    .join('');
  return (
    `<div class="card orders"><h3>Per order</h3><div class="table-wrap"><table class="figures orders"><thead><tr>` +
    `<th>Order</th><th>Work center</th><th>Shift</th><th class="num">Runtime</th><th class="num">Downtime</th>` +
    `<th>Downtime by reason</th><th class="num">Good</th><th class="num">Scrap</th></tr></thead>` +
    `<tbody>${rows}</tbody></table></div>` +
    `<p class="foot">Each work center's time and counts belong to the order running at their instant ` +
    `(the plant's order tag, else Odoo's started work order); the rows of a work center, "no order" ` +
    `included, add up to its row above.</p></div>`
  );
}
