// Port: what `reconcile --kind orders` compares (engine/reconcile-orders.ts) of one order share as
// the ERP holds it. The Odoo side is read by io/odoo/orders-reader.ts.

/** What Odoo holds of one share (found through its markers). */
export interface ShareInOdoo {
  readonly key: string;
  /** Good count of the share's last quantity note that reached the work order; null: no note. */
  readonly good: number | null;
  readonly goodRevision: number | null;
  readonly workOrderId: number | null;
  /** Validated scrap of the share (sum of its marked, done stock.scrap) and their ids. */
  readonly scrap: number;
  readonly scrapIds: readonly number[];
  /** Marked scraps still in draft (not scrapped). */
  readonly draftScrap: number;
  /** From the marker text: `<workCenterId>` and `<shift>` as posted ('?' when unreadable). */
  readonly workCenterId: string;
  readonly shift: string;
}
