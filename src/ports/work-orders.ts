// Port: what `orders sync` (engine/orders-sync.ts) reads from the ERP's work orders. The Odoo side
// is io/odoo/work-order-reader.ts (mrp.workorder).
import type { OrderLine } from '../core/orders.js';

/** Position of the sync in the ERP's change order: (write date text, id). Stored as JSON. */
export interface OrdersCursor {
  readonly writeDate: string;
  readonly id: number;
}

export interface WorkOrderChange {
  readonly id: number;
  /** The ERP's work-center id, or null. */
  readonly erpWorkCenterId: number | null;
  /** The ERP's write date text (null when unreadable: the row does not move the cursor). */
  readonly writeDate: string | null;
  /** Written before the `settledBeforeMs` asked for: the cursor may move past it. */
  readonly settled: boolean;
}

export interface ReleasedWorkOrder {
  readonly erpWorkCenterId: number | null;
  readonly line: OrderLine;
}

export interface WorkOrderReader {
  /** Work orders changed after `cursor` (null: from the start), in (write date, id) order, at most `limit`. */
  changedAfter(cursor: OrdersCursor | null, limit: number, settledBeforeMs: number): Promise<WorkOrderChange[]>;
  /**
   * The released work orders (production released, work order not done or cancelled) of these work
   * centers; with `finishedSinceMs`, also their work orders finished at or after it (state done,
   * with their finish time: docs/semantics.md section 11 needs them while their time can be amended).
   */
  released(erpWorkCenterIds: readonly number[], finishedSinceMs?: number): Promise<ReleasedWorkOrder[]>;
}
