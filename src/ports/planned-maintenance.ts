// Port: what `orders sync` (engine/orders-sync.ts) reads of the ERP's planned maintenance
// (docs/semantics.md section 12). The Odoo side is io/odoo/planned-maintenance-reader.ts.
import type { PlannedStop } from '../core/planned-maintenance.js';

export interface PlannedMaintenanceReader {
  /**
   * The scheduled preventive requests per topology work center that end after `fromMs` (those of
   * the work center's equipment, and on Enterprise those filed for the work center itself), each
   * list sorted by start then request id. Work centers without any are absent.
   */
  scheduled(fromMs: number): Promise<ReadonlyMap<string, readonly PlannedStop[]>>;
}
